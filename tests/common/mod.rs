//! Helpers shared by the integration tests.

// Each test binary compiles this module and uses only some of the helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use fashion_mnist::prelude::*;

/// Creates an empty folder `name` under cargo's temporary folder for integration tests.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Returns the names of the entries in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Loads the first `count` training images, scaled, with their labels.
pub fn small_training_set(count: usize) -> (Array3<f32>, Array1<u8>) {
    let dataset = load_data().expect("Fashion-MNIST must be installed: run `make data`");
    let images = scale_images(
        &dataset
            .train_images
            .slice_move(ndarray::s![..count, .., ..]),
    );
    let labels = dataset.train_labels.slice_move(ndarray::s![..count]);
    (images, labels)
}
