//! Group commit: one task writes a store, running the writes that queued up
//! meanwhile in a single transaction, each in a savepoint of its own, and
//! answers each writer only after that transaction is durably committed.
//!
//! Why: a durable commit costs a disk flush (SQLite's WAL with `synchronous =
//! FULL`, PostgreSQL's WAL), and SQLite lets one connection write at a time —
//! concurrent writers on a pool poll the lock (`busy_timeout`) and each pays
//! its own flush. With one writer, eight concurrent saves cost one flush and no
//! lock waits. A savepoint per write keeps a refused write (a taken slug, a
//! stale revision) from undoing its neighbours; a write is answered `Ok` only
//! once the whole transaction it was in has committed, so every acknowledged
//! write is on disk.

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

/// Answers one queued write once its transaction's fate is known.
type Settle = Box<dyn FnOnce(Result<(), &DbErr>) + Send>;
/// One queued write: runs inside the batch's transaction, returns how to answer it.
type Job = Box<dyn for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Settle> + Send>;

/// The handle writers queue their writes on. Cloning it shares the one writer.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
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

    /// Runs `work` in the next transaction, in a savepoint: an `Err` from it
    /// undoes only its own statements. Answers once that transaction has
    /// committed (or failed to, which fails every write that was in it).
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: From<WriteFailed> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |txn| {
            Box::pin(async move {
                let outcome = in_savepoint(txn, work).await;
                let settle: Settle = Box::new(move |committed| {
                    let result = match (outcome, committed) {
                        (Ok(value), Ok(())) => Ok(value),
                        (Ok(_), Err(error)) => {
                            Err(E::from(WriteFailed(format!("the commit failed: {error}"))))
                        }
                        // A refused write stays refused, whatever became of the others.
                        (Err(refused), _) => Err(refused),
                    };
                    // The caller may have given up (its deadline): nothing to tell.
                    let _ = reply.send(result);
                });
                settle
            })
        });
        self.jobs
            .send(job)
            .await
            .map_err(|_| E::from(WriteFailed("it has stopped".into())))?;
        answer.await.map_err(|_| {
            E::from(WriteFailed(
                "the write was abandoned; see the log for why".into(),
            ))
        })?
    }
}

async fn in_savepoint<T, E, F>(txn: &DatabaseTransaction, work: F) -> Result<T, E>
where
    F: for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, E>>,
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

async fn run(db: &DatabaseConnection, queue: &mut mpsc::Receiver<Job>) {
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
        let writes = batch.len();
        let txn = match db.begin_with_options(options).await {
            Ok(txn) => txn,
            Err(error) => {
                // Dropping the jobs answers their writers "abandoned".
                tracing::error!(%error, writes, "could not begin a transaction; the writes are abandoned");
                continue;
            }
        };
        let mut settles = Vec::with_capacity(writes);
        let mut panicked = false;
        for job in batch {
            match AssertUnwindSafe(job(&txn)).catch_unwind().await {
                Ok(settle) => settles.push(settle),
                Err(_) => {
                    panicked = true;
                    break;
                }
            }
        }
        if panicked {
            // What the panicking write left in the transaction is unknown:
            // undo the whole batch (dropping it rolls back) and say so.
            tracing::error!(
                writes,
                "a write panicked; its transaction is rolled back and its writes are abandoned"
            );
            drop(settles);
            if let Err(error) = txn.rollback().await {
                tracing::error!(%error, "rolling back after a panic failed");
            }
            continue;
        }
        let committed = txn.commit().await;
        if let Err(error) = &committed {
            tracing::error!(%error, writes, "a commit failed; its writes are refused");
        }
        for settle in settles {
            settle(committed.as_ref().map(|_| ()));
        }
    }
}
