//! Many tasks at once.

#[test]
fn a_million_tasks_spawned_and_joined() {
    const N: u64 = 1_000_000;
    let sum = grove::run(async {
        let tasks: Vec<_> = (0..N).map(|i| grove::spawn(async move { i })).collect();
        let mut sum = 0;
        for task in tasks {
            sum += task.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, N * (N - 1) / 2);
}

#[test]
fn a_hundred_thousand_concurrent_sleepers() {
    const N: usize = 100_000;
    let woke = grove::run(async {
        let tasks: Vec<_> = (0..N)
            .map(|i| grove::spawn(async move { grove::sleep(std::time::Duration::from_millis((i % 50) as u64)).await }))
            .collect();
        grove::joinall(tasks).await.into_iter().filter(Result::is_ok).count()
    });
    assert_eq!(woke, N);
}
