//! Group commit: one task writes a store, running the writes that queued up
//! meanwhile in a single transaction, and answers each writer only after that
//! transaction is durably committed. Writes may also leave rows in the
//! store's [`Deferred`] buffer, written once for the whole batch.
//!
//! Why: a durable commit costs a disk flush (SQLite's WAL with `synchronous =
//! FULL`, PostgreSQL's WAL), and SQLite lets one connection write at a time —
//! concurrent writers on a pool poll the lock (`busy_timeout`) and each pays
//! its own flush. With one writer, eight concurrent saves cost one flush and no
//! lock waits. A refused write (a taken slug, a stale revision) must not undo
//! its neighbours: when one refuses, the batch is undone and run again with a
//! savepoint per write. A write is answered `Ok` only once the whole
//! transaction it was in has committed, so every acknowledged write is on disk.
//!
//! On SQLite the flush is taken off the writer's path ([`Durability::SyncWal`]):
//! the writer's connection commits with `synchronous = NORMAL`, which appends
//! the batch to the WAL without syncing, and hands the batch to a syncer task,
//! which syncs the WAL file and only then answers its writes. Meanwhile the
//! writer runs the next batch, so a flush no longer stalls every writer; one
//! flush answers every batch committed before it began. The cost: for about a
//! millisecond, readers can see rows whose writers have not been answered yet;
//! a power cut in that window loses them, but none was acknowledged. NORMAL
//! itself syncs the WAL before a checkpoint copies it and the database after,
//! so nothing committed earlier is at risk.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;

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

/// Rows the writes of one batch leave to be written together, just before the
/// commit: one multi-row statement per table instead of one per write.
///
/// Why: on SQLite each statement is a round trip to the connection's worker
/// thread (two context switches), and on PostgreSQL one to the server; eight
/// creates of nine statements each cost more in those trips than in writing.
/// A write may only defer what no later write in the batch reads back (new
/// rows nobody can name yet, count deltas); a write that does read such rows
/// calls [`Deferred::flush`] first.
pub trait Deferred: Default + Send + 'static {
    /// The store's error; a flush that fails in a batch of several writes
    /// makes the writer run them again one by one, each flushing alone, so
    /// the error reaches the write that caused it.
    type Error: Send + 'static;

    /// The store's error for a write the writer itself could not carry out.
    fn failed(failure: WriteFailed) -> Self::Error;

    /// Writes what is buffered through `txn` and empties the buffer.
    fn flush<'t>(
        &'t mut self,
        txn: &'t DatabaseTransaction,
    ) -> BoxFuture<'t, Result<(), Self::Error>>;
}

/// How a committed batch becomes durable, so the writer knows when it may answer.
#[derive(Debug, Clone)]
pub enum Durability {
    /// COMMIT returns once the batch is durable (PostgreSQL; SQLite with FULL).
    AtCommit,
    /// COMMIT only appended to this WAL file (SQLite with NORMAL): the batch is
    /// durable once the file is synced.
    SyncWal(PathBuf),
}

/// Why a write did not happen, apart from what the write itself decided.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the store's writer: {0}")]
pub struct WriteFailed(pub String);

/// One queued write, run once or twice (see [`run`]) and then answered.
trait Job<D: Deferred>: Send {
    /// Runs the write in `txn` and keeps its outcome; false when the write
    /// refused itself. If `isolated`, it runs in a savepoint of its own and
    /// flushes `later` there; otherwise what it defers stays in `later`.
    fn run<'t>(
        &'t mut self,
        txn: &'t DatabaseTransaction,
        later: &'t mut D,
        isolated: bool,
    ) -> BoxFuture<'t, bool>;
    /// Answers the writer, now that its transaction's fate is known.
    fn settle(self: Box<Self>, committed: Result<(), &DbErr>);
}

type Work<T, D> = Box<
    dyn for<'t> Fn(
            &'t DatabaseTransaction,
            &'t mut D,
        ) -> BoxFuture<'t, Result<T, <D as Deferred>::Error>>
        + Send
        + Sync,
>;

struct Pending<T, D: Deferred> {
    work: Work<T, D>,
    outcome: Option<Result<T, D::Error>>,
    reply: oneshot::Sender<Result<T, D::Error>>,
}

impl<T: Send + 'static, D: Deferred> Job<D> for Pending<T, D> {
    fn run<'t>(
        &'t mut self,
        txn: &'t DatabaseTransaction,
        later: &'t mut D,
        isolated: bool,
    ) -> BoxFuture<'t, bool> {
        Box::pin(async move {
            let outcome = if isolated {
                in_savepoint(txn, &self.work, later).await
            } else {
                (self.work)(txn, later).await
            };
            let ok = outcome.is_ok();
            self.outcome = Some(outcome);
            ok
        })
    }

    fn settle(self: Box<Self>, committed: Result<(), &DbErr>) {
        let result = match (self.outcome, committed) {
            (Some(Ok(value)), Ok(())) => Ok(value),
            (Some(Ok(_)), Err(error)) => Err(D::failed(WriteFailed(format!(
                "the commit failed: {error}"
            )))),
            // A refused write stays refused, whatever became of the others.
            (Some(Err(refused)), _) => Err(refused),
            (None, _) => Err(D::failed(WriteFailed("the write never ran".into()))),
        };
        // The caller may have given up (its deadline): nothing to tell.
        let _ = self.reply.send(result);
    }
}

/// The handle writers queue their writes on. Cloning it shares the one writer.
pub struct Writer<D: Deferred> {
    jobs: mpsc::Sender<Box<dyn Job<D>>>,
}

impl<D: Deferred> Clone for Writer<D> {
    fn clone(&self) -> Self {
        Self {
            jobs: self.jobs.clone(),
        }
    }
}

impl<D: Deferred> Writer<D> {
    /// Starts the writer task for `db` on the current tokio runtime. It ends
    /// when the last handle is dropped.
    pub fn start(db: DatabaseConnection, durability: Durability) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let committed = match durability {
            Durability::AtCommit => Committed::Durable,
            Durability::SyncWal(wal) => {
                let (batches, to_sync) = mpsc::unbounded_channel();
                tokio::spawn(sync_wal(wal, to_sync));
                Committed::ToSync(batches)
            }
        };
        tokio::spawn(async move {
            let mut queue = queue;
            // A panic that escaped the guards below would leave every later
            // write answered "stopped": start over on the same queue instead.
            while AssertUnwindSafe(run(&db, &mut queue, &committed))
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
    /// own statements and deferred rows. Answers once that transaction has
    /// committed (or failed to, which fails every write that was in it).
    /// `work` may run twice — the first run undone — so it must only write
    /// through the transaction and the buffer.
    pub async fn write<T, F>(&self, work: F) -> Result<T, D::Error>
    where
        F: for<'t> Fn(&'t DatabaseTransaction, &'t mut D) -> BoxFuture<'t, Result<T, D::Error>>
            + Send
            + Sync
            + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, D::Error>>();
        let job = Pending {
            work: Box::new(work),
            outcome: None,
            reply,
        };
        self.jobs
            .send(Box::new(job))
            .await
            .map_err(|_| D::failed(WriteFailed("it has stopped".into())))?;
        answer.await.map_err(|_| {
            D::failed(WriteFailed(
                "the write was abandoned; see the log for why".into(),
            ))
        })?
    }
}

/// Runs `work` and flushes what it deferred, both in a savepoint of their own.
async fn in_savepoint<T, D: Deferred>(
    txn: &DatabaseTransaction,
    work: &Work<T, D>,
    later: &mut D,
) -> Result<T, D::Error> {
    let failed = |what: &str, error: DbErr| D::failed(WriteFailed(format!("{what}: {error}")));
    let savepoint = txn
        .begin()
        .await
        .map_err(|error| failed("opening a savepoint", error))?;
    let mut written = work(&savepoint, later).await;
    if written.is_ok()
        && let Err(refused) = later.flush(&savepoint).await
    {
        written = Err(refused);
    }
    // Whatever happened, nothing of this write may reach the next one.
    *later = D::default();
    match written {
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

/// Where a committed batch goes to be answered.
enum Committed<D: Deferred> {
    /// Durable already: answer at once.
    Durable,
    /// To the syncer, which answers once the WAL is synced.
    ToSync(mpsc::UnboundedSender<Vec<Box<dyn Job<D>>>>),
}

impl<D: Deferred> Committed<D> {
    fn answer(&self, batch: Vec<Box<dyn Job<D>>>) {
        match self {
            Self::Durable => batch.into_iter().for_each(|job| job.settle(Ok(()))),
            Self::ToSync(syncer) => {
                // Only if the syncer panicked: SQLite's own sync on the next
                // checkpoint is all that is left, so say the writes failed.
                if let Err(unsent) = syncer.send(batch) {
                    let error = DbErr::Custom("the WAL syncer has stopped".into());
                    unsent.0.into_iter().for_each(|job| job.settle(Err(&error)));
                }
            }
        }
    }
}

/// Answers committed batches once the WAL holding them is synced. Batches
/// arrive in commit order, so one sync covers every batch received before it
/// started: under load, one flush answers several batches.
async fn sync_wal<D: Deferred>(
    wal: PathBuf,
    mut committed: mpsc::UnboundedReceiver<Vec<Box<dyn Job<D>>>>,
) {
    while let Some(mut batch) = committed.recv().await {
        while let Ok(more) = committed.try_recv() {
            batch.extend(more);
        }
        let path = wal.clone();
        let started = std::time::Instant::now();
        let synced = tokio::task::spawn_blocking(move || sync_file(&path))
            .await
            .unwrap_or_else(|error| Err(std::io::Error::other(error.to_string())));
        tracing::debug!(
            writes = batch.len(),
            sync_us = started.elapsed().as_micros() as u64,
            "WAL synced"
        );
        let outcome = synced.map_err(|error| {
            tracing::error!(%error, wal = %wal.display(), writes = batch.len(), "syncing the WAL failed; its writes are refused");
            DbErr::Custom(format!("syncing the WAL failed: {error}"))
        });
        for job in batch {
            job.settle(outcome.as_ref().map(|_| ()));
        }
    }
}

/// fdatasync flushes the file's pages whichever descriptor wrote them, so a
/// descriptor of our own syncs what SQLite's connection appended. Opened each
/// time: should SQLite remove and remake the WAL, a descriptor kept open would
/// sync the old file and let the new one's commits be answered unsynced.
fn sync_file(path: &std::path::Path) -> std::io::Result<()> {
    match std::fs::File::open(path) {
        Ok(file) => file.sync_data(),
        // SQLite removes the WAL only when its last connection closes, after
        // checkpointing it into the database and syncing that.
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

async fn run<D: Deferred>(
    db: &DatabaseConnection,
    queue: &mut mpsc::Receiver<Box<dyn Job<D>>>,
    committed: &Committed<D>,
) {
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
        // first runs without savepoints (two statements fewer per write) and
        // with one flush of the deferred rows. If one refuses, or the flush
        // fails, that run is undone and every write runs again, each in a
        // savepoint with its own flush, so the refusal undoes only its own.
        let mut isolated = false;
        let started = std::time::Instant::now();
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
                // Only a first run flushes for the whole batch: an isolated
                // run flushes per write, which hands a failed flush's error to
                // the write that caused it (alone, too: the buffer's error is
                // the write's own).
                Ran::Unflushed => {
                    rollback(txn).await;
                    isolated = true;
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
                    let ran = started.elapsed();
                    let outcome = txn.commit().await;
                    tracing::debug!(
                        writes = batch.len(),
                        isolated,
                        run_us = ran.as_micros() as u64,
                        commit_us = (started.elapsed() - ran).as_micros() as u64,
                        "batch committed"
                    );
                    match outcome {
                        Ok(()) => committed.answer(std::mem::take(&mut batch)),
                        Err(error) => {
                            tracing::error!(%error, writes = batch.len(), "a commit failed; its writes are refused");
                            for job in batch.drain(..) {
                                job.settle(Err(&error));
                            }
                        }
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
    /// Every write ran, but writing the rows they deferred failed.
    Unflushed,
    Panicked,
}

async fn run_batch<D: Deferred>(
    batch: &mut [Box<dyn Job<D>>],
    txn: &DatabaseTransaction,
    isolated: bool,
) -> Ran {
    let mut later = D::default();
    let mut ran = Ran::Ok;
    for job in batch.iter_mut() {
        match AssertUnwindSafe(job.run(txn, &mut later, isolated))
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
    if isolated {
        return ran;
    }
    match AssertUnwindSafe(later.flush(txn)).catch_unwind().await {
        Ok(Ok(())) => ran,
        Ok(Err(_)) => Ran::Unflushed,
        Err(_) => Ran::Panicked,
    }
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
