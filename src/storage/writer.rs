//! Group commit: one task writes a store, running the writes that queued up
//! meanwhile in a single transaction, and answers each writer only after that
//! transaction is durably committed.
//!
//! Why: a durable commit costs a disk flush (SQLite's WAL with `synchronous =
//! FULL`, PostgreSQL's WAL), and SQLite lets one connection write at a time —
//! concurrent writers on a pool poll the lock (`busy_timeout`) and each pays
//! its own flush. With one writer, eight concurrent saves cost one flush and no
//! lock waits. A refused write (a taken slug, a stale revision) must not undo
//! its neighbours: when one refuses, the batch is undone and run again with a
//! savepoint per write. A write is answered `Ok` only once the whole
//! transaction it was in has committed, so every acknowledged write is on disk.

use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use futures::future::BoxFuture;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};

/// Writes queued beyond this wait for the next transaction: bounds how long
/// one transaction holds the store and how much one failed commit undoes.
const MAX_BATCH: usize = 64;
/// Writes waiting for the writer; a caller beyond that waits for room.
const QUEUE: usize = 1024;

/// Why a write did not happen, apart from what the write itself decided.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the store's writer: {0}")]
pub struct WriteFailed(pub String);

/// One queued write, run once or twice (see [`run`]) and then answered.
trait Job: Send {
    /// Runs the write in `txn` (in a savepoint of its own if `isolated`) and
    /// keeps its outcome; false when the write refused itself.
    fn run<'t>(&'t mut self, txn: &'t DatabaseTransaction, isolated: bool) -> BoxFuture<'t, bool>;
    /// Answers the writer, now that its transaction's fate is known.
    fn settle(self: Box<Self>, committed: Result<(), &DbErr>);
}

type Work<T, E> =
    Box<dyn for<'t> Fn(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, E>> + Send + Sync>;

struct Pending<T, E> {
    work: Work<T, E>,
    outcome: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<T: Send + 'static, E: From<WriteFailed> + Send + 'static> Job for Pending<T, E> {
    fn run<'t>(&'t mut self, txn: &'t DatabaseTransaction, isolated: bool) -> BoxFuture<'t, bool> {
        Box::pin(async move {
            let outcome = if isolated {
                in_savepoint(txn, &self.work).await
            } else {
                (self.work)(txn).await
            };
            let ok = outcome.is_ok();
            self.outcome = Some(outcome);
            ok
        })
    }

    fn settle(self: Box<Self>, committed: Result<(), &DbErr>) {
        let result = match (self.outcome, committed) {
            (Some(Ok(value)), Ok(())) => Ok(value),
            (Some(Ok(_)), Err(error)) => {
                Err(E::from(WriteFailed(format!("the commit failed: {error}"))))
            }
            // A refused write stays refused, whatever became of the others.
            (Some(Err(refused)), _) => Err(refused),
            (None, _) => Err(E::from(WriteFailed("the write never ran".into()))),
        };
        // The caller may have given up (its deadline): nothing to tell.
        let _ = self.reply.send(result);
    }
}

/// The handle writers queue their writes on. Cloning it shares the one writer.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writer task for `db` on the current tokio runtime. It ends
    /// when the last handle is dropped.
    pub fn start(db: DatabaseConnection) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(async move {
            let mut queue = queue;
            // A panic that escaped the guards below would leave every later
            // write answered "stopped": start over on the same queue instead.
            while AssertUnwindSafe(run(&db, &mut queue))
                .catch_unwind()
                .await
                .is_err()
            {
                tracing::error!("the store's writer panicked; restarting it");
            }
        });
        Self { jobs }
    }

    /// Runs `work` in the next transaction: an `Err` from it undoes only its
    /// own statements. Answers once that transaction has committed (or failed
    /// to, which fails every write that was in it). `work` may run twice —
    /// the first run undone — so it must only write through the transaction.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: for<'t> Fn(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, E>>
            + Send
            + Sync
            + 'static,
        T: Send + 'static,
        E: From<WriteFailed> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, E>>();
        let job = Pending {
            work: Box::new(work),
            outcome: None,
            reply,
        };
        self.jobs
            .send(Box::new(job))
            .await
            .map_err(|_| E::from(WriteFailed("it has stopped".into())))?;
        answer.await.map_err(|_| {
            E::from(WriteFailed(
                "the write was abandoned; see the log for why".into(),
            ))
        })?
    }
}

async fn in_savepoint<T, E>(txn: &DatabaseTransaction, work: &Work<T, E>) -> Result<T, E>
where
    E: From<WriteFailed>,
{
    let failed = |what: &str, error: DbErr| E::from(WriteFailed(format!("{what}: {error}")));
    let savepoint = txn
        .begin()
        .await
        .map_err(|error| failed("opening a savepoint", error))?;
    match work(&savepoint).await {
        Ok(value) => {
            savepoint
                .commit()
                .await
                .map_err(|error| failed("releasing a savepoint", error))?;
            Ok(value)
        }
        Err(refused) => {
            savepoint
                .rollback()
                .await
                .map_err(|error| failed("rolling back a savepoint", error))?;
            Err(refused)
        }
    }
}

async fn run(db: &DatabaseConnection, queue: &mut mpsc::Receiver<Box<dyn Job>>) {
    // SQLite: take the write lock at BEGIN rather than at the first write, so
    // the transaction can never be refused halfway for a lock it cannot upgrade.
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // Refusals are rare (a taken slug, a stale revision), so the batch
        // first runs without savepoints: two statements fewer per write. If
        // one refuses, that run is undone and every write runs again, each in
        // a savepoint, so the refusal undoes only its own.
        let mut isolated = false;
        loop {
            let Some(txn) = begin(db, options, batch.len()).await else {
                break;
            };
            match run_batch(&mut batch, &txn, isolated).await {
                Ran::Panicked => {
                    // What the panicking write left is unknown: undo it all.
                    tracing::error!(
                        writes = batch.len(),
                        "a write panicked; its transaction is rolled back and its writes are abandoned"
                    );
                    rollback(txn).await;
                    batch.clear();
                    break;
                }
                Ran::Refused if !isolated && batch.len() > 1 => {
                    rollback(txn).await;
                    isolated = true;
                }
                Ran::Refused if !isolated => {
                    // Alone in its transaction: undoing it all undoes only it.
                    rollback(txn).await;
                    for job in batch.drain(..) {
                        job.settle(Ok(()));
                    }
                    break;
                }
                Ran::Refused | Ran::Ok => {
                    let committed = txn.commit().await;
                    if let Err(error) = &committed {
                        tracing::error!(%error, writes = batch.len(), "a commit failed; its writes are refused");
                    }
                    for job in batch.drain(..) {
                        job.settle(committed.as_ref().map(|_| ()));
                    }
                    break;
                }
            }
        }
    }
}

enum Ran {
    Ok,
    Refused,
    Panicked,
}

async fn run_batch(batch: &mut [Box<dyn Job>], txn: &DatabaseTransaction, isolated: bool) -> Ran {
    let mut ran = Ran::Ok;
    for job in batch.iter_mut() {
        match AssertUnwindSafe(job.run(txn, isolated))
            .catch_unwind()
            .await
        {
            Ok(true) => {}
            Ok(false) if isolated => ran = Ran::Refused,
            // Without savepoints the rest would build on a refused write's leftovers.
            Ok(false) => return Ran::Refused,
            Err(_) => return Ran::Panicked,
        }
    }
    ran
}

async fn begin(
    db: &DatabaseConnection,
    options: TransactionOptions,
    writes: usize,
) -> Option<DatabaseTransaction> {
    match db.begin_with_options(options).await {
        Ok(txn) => Some(txn),
        Err(error) => {
            // Dropping the jobs answers their writers "abandoned".
            tracing::error!(%error, writes, "could not begin a transaction; the writes are abandoned");
            None
        }
    }
}

async fn rollback(txn: DatabaseTransaction) {
    if let Err(error) = txn.rollback().await {
        tracing::error!(%error, "rolling back a transaction failed");
    }
}
