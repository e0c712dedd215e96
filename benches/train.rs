//! Training and prediction speed of the tutorial network on the real Fashion-MNIST data.
//!
//! Run with `make bench` (`cargo bench --locked`). Trains with
//! [`TrainConfig::default`] (10 epochs, batch 32, seed 0), then prints the median
//! seconds per epoch, images per second, the test accuracy, the time to predict the
//! 10,000 test images and the peak resident memory of the process. Set
//! `FASHION_MNIST_BENCH_MODEL=cnn` to measure the convolutional network instead.

use std::time::Instant;

use fashion_mnist::prelude::*;
use fashion_mnist::train::Classifier;

/// Peak resident set size in MiB (`VmHWM` in `/proc/self/status`, Linux only).
fn peak_resident_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn median(values: &mut [f32]) -> f32 {
    values.sort_by(f32::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
}

fn measure<M: Classifier>(name: &str, mut model: M, scaled: &Scaled) -> fashion_mnist::Result<()> {
    let config = TrainConfig::default();
    println!("training the {name} with {config:?}");
    let history = train(
        &mut model,
        &config,
        scaled.train_images.view(),
        scaled.train_labels.view(),
        None,
    )?;
    let mut seconds: Vec<f32> = history.epochs.iter().map(|e| e.seconds).collect();
    let epoch_seconds = median(&mut seconds);
    let images_per_second = scaled.train_labels.len() as f32 / epoch_seconds;

    let test = evaluate(&model, scaled.test_images.view(), scaled.test_labels.view())?;
    let started = Instant::now();
    let probabilities = predict(&model, scaled.test_images.view())?;
    let predict_seconds = started.elapsed().as_secs_f64();

    println!();
    println!("model                          {name}");
    println!("median seconds per epoch       {epoch_seconds:.3}");
    println!("images per second              {images_per_second:.0}");
    println!("test accuracy                  {:.4}", test.accuracy);
    println!(
        "predicting {} test images   {predict_seconds:.4} s",
        probabilities.nrows()
    );
    match peak_resident_mib() {
        Some(mib) => println!("peak resident memory           {mib:.0} MiB"),
        None => println!("peak resident memory           unknown (no /proc/self/status)"),
    }
    Ok(())
}

fn main() -> fashion_mnist::Result<()> {
    let scaled = Scaled::from_dataset(&load_data()?);
    match std::env::var("FASHION_MNIST_BENCH_MODEL").as_deref() {
        Ok("cnn") => measure("convolutional network", Cnn::new(0), &scaled),
        _ => measure("tutorial network", Model::new(0), &scaled),
    }
}
