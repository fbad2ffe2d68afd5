//! A bounded pool for CPU-heavy work (hashing, rendering, image processing), kept
//! off the async workers so a long job never stalls timers or other messages.

use std::sync::Arc;

use tokio::sync::Semaphore;

pub(crate) use folio_seam::PoolError;

/// At most `workers` jobs run at once and at most `queue` more wait. Jobs run on
/// tokio's blocking threads, where a panic is caught at the task boundary: the
/// caller gets `Panicked` and the thread is reused, so a panic never shrinks the pool.
#[derive(Clone)]
pub struct CpuPool {
    name: &'static str,
    workers: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
    capacity: usize,
}

impl CpuPool {
    pub fn new(name: &'static str, workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        Self {
            name,
            workers: Arc::new(Semaphore::new(workers)),
            admitted: Arc::new(Semaphore::new(workers + queue)),
            capacity: workers + queue,
        }
    }

    /// One worker per core: CPU-bound jobs gain nothing from more.
    pub fn sized_to_cores(name: &'static str, queue: usize) -> Self {
        let cores = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1);
        Self::new(name, cores, queue)
    }

    /// Jobs running or waiting right now.
    pub fn load(&self) -> usize {
        self.capacity - self.admitted.available_permits()
    }

    pub async fn run<T, F>(&self, job: F) -> Result<T, PoolError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let admission = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| PoolError::Busy(self.name))?;
        let worker = self
            .workers
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| PoolError::Closed(self.name))?;
        // The permits move into the job, so the bound holds even when the caller
        // gives up (a timeout) while the job is still running.
        let handle = tokio::task::spawn_blocking(move || {
            let _permits = (admission, worker);
            job()
        });
        match handle.await {
            Ok(value) => Ok(value),
            Err(error) if error.is_panic() => Err(PoolError::Panicked {
                pool: self.name,
                message: super::host::panic_message(error.into_panic().as_ref()),
            }),
            Err(_) => Err(PoolError::Closed(self.name)),
        }
    }
}
