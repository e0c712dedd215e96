//! Loading speed of the 70,000 Fashion-MNIST images: from the four IDX `.gz` files, from
//! `.npy` files of the raw `u8` images, and from the `.npy` files of the scaled `f32`
//! images that the notebooks load with `load_or_make_scaled`.
//!
//! Run with `cargo bench --bench load`. Each case runs `FASHION_MNIST_BENCH_RUNS` times
//! (default 7) after one warm-up run, so the files are in the page cache, and prints the
//! median and the goal. Set `CARGO_PROFILE_BENCH_OPT_LEVEL=2` and
//! `CARGO_PROFILE_BENCH_DEBUG_ASSERTIONS=true` to build the way evcxr builds notebook
//! cells.

use std::path::{Path, PathBuf};
use std::time::Instant;

use fashion_mnist::prelude::*;
use fashion_mnist::preprocess::{save_scaled, Scaled};

fn median_seconds(runs: usize, mut run: impl FnMut() -> fashion_mnist::Result<()>) -> f64 {
    // One warm-up run fills the page cache.
    if let Err(error) = run() {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
    let mut seconds: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            if let Err(error) = run() {
                eprintln!("error: {error}");
                std::process::exit(1);
            }
            start.elapsed().as_secs_f64()
        })
        .collect();
    seconds.sort_by(f64::total_cmp);
    seconds[seconds.len() / 2]
}

fn report(name: &str, seconds: f64, goal: Option<f64>) {
    match goal {
        Some(goal) => {
            let verdict = if seconds < goal { "met" } else { "missed" };
            println!("{name:<44} median {seconds:>7.3} s   goal < {goal} s: {verdict}");
        }
        None => println!("{name:<44} median {seconds:>7.3} s"),
    }
}

fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-load")
}

fn main() -> fashion_mnist::Result<()> {
    let runs = std::env::var("FASHION_MNIST_BENCH_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .filter(|&runs: &usize| runs > 0)
        .unwrap_or(7);
    let dataset = load_data()?;
    println!(
        "loading the 70,000 images of {} ({runs} runs, median)",
        dataset.dir.display()
    );

    let gz = median_seconds(runs, || load_data().map(|_| ()));
    report("4 IDX .gz files (load_data)", gz, Some(0.3));

    let dir = bench_dir();
    let raw_paths = [dir.join("train_images.npy"), dir.join("test_images.npy")];
    save_npy(&raw_paths[0], &dataset.train_images)?;
    save_npy(&raw_paths[1], &dataset.test_images)?;
    let raw = median_seconds(runs, || load_raw(&raw_paths));
    report("2 .npy files of u8 images (55 MB)", raw, Some(0.05));

    let scaled = Scaled::from_dataset(&dataset);
    save_scaled(&scaled, &dir)?;
    let f32_load = median_seconds(runs, || load_scaled(&dir).map(|_| ()));
    report(
        "4 .npy files of scaled f32 (load_scaled, 220 MB)",
        f32_load,
        None,
    );

    let save = median_seconds(runs, || save_scaled(&scaled, &dir).map(|_| ()));
    report("save_scaled (220 MB)", save, None);

    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn load_raw(paths: &[PathBuf; 2]) -> fashion_mnist::Result<()> {
    let load = |path: &Path| load_npy::<u8, ndarray::Ix3>(path);
    let train = load(&paths[0])?;
    let test = load(&paths[1])?;
    assert_eq!(train.shape()[0] + test.shape()[0], 70_000);
    Ok(())
}
