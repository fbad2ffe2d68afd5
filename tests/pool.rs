//! The bounded pool for CPU-heavy work: bounded, guarded, never shrinking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use folio::runtime::{CpuPool, PoolError};

#[tokio::test]
async fn a_panicking_job_is_an_error_and_the_pool_keeps_its_workers() {
    let pool = CpuPool::new("test", 2, 4);

    for _ in 0..5 {
        let error = pool
            .run(|| -> u32 { panic!("decoder exploded") })
            .await
            .unwrap_err();
        assert_eq!(
            error,
            PoolError::Panicked {
                pool: "test",
                message: "decoder exploded".into()
            }
        );
    }

    let results = futures::future::join_all((0..6).map(|n| pool.run(move || n * 2))).await;
    assert_eq!(
        results.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
        [0, 2, 4, 6, 8, 10]
    );
    assert_eq!(pool.load(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_queue_answers_busy_instead_of_growing() {
    let pool = CpuPool::new("test", 1, 1);
    let (started, running_now) = std::sync::mpsc::channel::<()>();
    let (release, gate) = std::sync::mpsc::channel::<()>();

    // The blocking job must hold the only worker before the second job is
    // queued: spawned together, either could win the worker, and a quick job
    // winning it would leave the load at one for ever.
    let running = {
        let pool = pool.clone();
        tokio::spawn(async move {
            pool.run(move || started.send(()).is_ok() && gate.recv().is_ok())
                .await
        })
    };
    tokio::task::spawn_blocking(move || running_now.recv())
        .await
        .unwrap()
        .unwrap();
    let queued = {
        let pool = pool.clone();
        tokio::spawn(async move { pool.run(|| true).await })
    };
    while pool.load() < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    assert_eq!(pool.run(|| true).await, Err(PoolError::Busy("test")));

    release.send(()).unwrap();
    assert_eq!(running.await.unwrap(), Ok(true));
    assert_eq!(queued.await.unwrap(), Ok(true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_more_jobs_run_at_once_than_the_pool_has_workers() {
    let pool = CpuPool::new("test", 2, 64);
    let now = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));

    let jobs = (0..16).map(|_| {
        let (now, peak) = (now.clone(), peak.clone());
        pool.run(move || {
            let current = now.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(current, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(10));
            now.fetch_sub(1, Ordering::SeqCst);
        })
    });
    for result in futures::future::join_all(jobs).await {
        result.unwrap();
    }

    assert_eq!(peak.load(Ordering::SeqCst), 2);
}
