//! The convolutional network: layout of the patches, a short training run, the shared
//! guards, saving and loading.

use fashion_mnist::cnn::{im2col, CONV_POSITIONS, KERNEL_PIXELS, POOLED_POSITIONS};
use fashion_mnist::prelude::*;

mod common;
use common::{scratch_dir, small_training_set};

#[test]
fn cnn_parameter_count() {
    let model = Cnn::new(0);
    // Keras's model.summary() for Conv2D(32, 3), MaxPooling2D(2), Dropout, Flatten,
    // Dense(128), Dropout, Dense(10): 320 + 692,352 + 1,290.
    assert_eq!(model.num_parameters(), 693_962);
    let per_layer: Vec<usize> = model.layers().iter().map(|l| l.parameters).collect();
    assert_eq!(per_layer, vec![320, 0, 0, 0, 692_352, 0, 1_290]);
}

#[test]
fn im2col_orders_rows_by_pooling_window() {
    // Pixel value = its index, so each patch value names the pixel it came from.
    let pixels: Vec<f32> = (0..784).map(|index| index as f32).collect();
    let patches = im2col(&pixels, 1);
    assert_eq!(patches.len(), CONV_POSITIONS * KERNEL_PIXELS);
    let patch = |row: usize| &patches[row * KERNEL_PIXELS..(row + 1) * KERNEL_PIXELS];
    // Window position 0 of pooled position 0: the patch at (0, 0).
    assert_eq!(patch(0), &[0., 1., 2., 28., 29., 30., 56., 57., 58.]);
    // Window position 1 (one column right) of pooled position 0: the patch at (0, 1).
    assert_eq!(patch(POOLED_POSITIONS)[0], 1.0);
    // Window position 2 (one row down) of pooled position 0: the patch at (1, 0).
    assert_eq!(patch(2 * POOLED_POSITIONS)[0], 28.0);
    // Window position 0 of pooled position 1 (second window in the first row): (0, 2).
    assert_eq!(patch(1)[0], 2.0);
    // The last patch: window position 3 of pooled position 168, at (25, 25).
    assert_eq!(patch(CONV_POSITIONS - 1)[8], (27 * 28 + 27) as f32);
}

#[test]
fn cnn_short_training_lowers_loss() {
    let (images, labels) = small_training_set(2_000);
    let config = TrainConfig {
        epochs: 2,
        ..TrainConfig::default()
    };
    let mut model = Cnn::new(0);
    let before = evaluate(&model, images.view(), labels.view()).unwrap();
    let history = train(&mut model, &config, images.view(), labels.view(), None).unwrap();
    assert_eq!(history.epochs.len(), 2);
    assert!(
        history.epochs[1].loss < history.epochs[0].loss,
        "training loss {} -> {}",
        history.epochs[0].loss,
        history.epochs[1].loss
    );
    let after = evaluate(&model, images.view(), labels.view()).unwrap();
    assert!(
        after.loss < before.loss,
        "loss {} -> {}",
        before.loss,
        after.loss
    );
    assert!(after.accuracy > 0.7, "accuracy {}", after.accuracy);
}

#[test]
fn cnn_same_seed_gives_same_history() {
    let (images, labels) = small_training_set(300);
    let config = TrainConfig {
        epochs: 1,
        ..TrainConfig::default()
    };
    let mut first = Cnn::new(4);
    let mut second = Cnn::new(4);
    let a = train(&mut first, &config, images.view(), labels.view(), None).unwrap();
    let b = train(&mut second, &config, images.view(), labels.view(), None).unwrap();
    assert_eq!(a.epochs[0].loss, b.epochs[0].loss);
    assert_eq!(a.epochs[0].accuracy, b.epochs[0].accuracy);
    assert_eq!(
        predict(&first, images.view()).unwrap(),
        predict(&second, images.view()).unwrap()
    );
}

#[test]
fn cnn_probabilities_sum_to_one() {
    // 300 images: more than one inference batch of the convolutional network.
    let (images, _) = small_training_set(300);
    let model = Cnn::new(3);
    let probabilities = predict(&model, images.view()).unwrap();
    assert_eq!(probabilities.shape(), &[300, 10]);
    for row in probabilities.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-5, "row sums to {}", row.sum());
    }
    let single = predict_image(&model, images.index_axis(Axis(0), 299)).unwrap();
    assert_eq!(single, probabilities.row(299).to_owned());
}

#[test]
fn cnn_rejects_unscaled_and_misshaped_images() {
    let (images, labels) = small_training_set(10);
    let raw = images.mapv(|value| value * 255.0);
    let mut model = Cnn::new(0);
    let err = train(
        &mut model,
        &TrainConfig::default(),
        raw.view(),
        labels.view(),
        None,
    )
    .unwrap_err();
    assert!(matches!(err, Error::NotScaled { .. }), "{err}");
    assert!(err.to_string().contains("255"), "{err}");
    let err = evaluate(&model, raw.view(), labels.view()).unwrap_err();
    assert!(matches!(err, Error::NotScaled { .. }), "{err}");
    let wrong = Array3::<f32>::zeros((2, 28, 27));
    let err = predict(&model, wrong.view()).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    assert!(err.to_string().contains("27"), "{err}");
}

#[test]
fn cnn_save_and_load_round_trip() {
    let dir = scratch_dir("cnn_round_trip");
    let (images, labels) = small_training_set(200);
    let config = TrainConfig {
        epochs: 1,
        ..TrainConfig::default()
    };
    let mut model = Cnn::new(1);
    let history = train(&mut model, &config, images.view(), labels.view(), None).unwrap();
    let paths = save_training(&dir, &model, &config, &history).unwrap();
    for path in &paths {
        assert!(path.is_file(), "{} missing", path.display());
    }
    let loaded = Cnn::from_file(&paths[0]).unwrap();
    assert_eq!(
        predict(&model, images.view()).unwrap(),
        predict(&loaded, images.view()).unwrap()
    );
    assert_eq!(load_history(&paths[2]).unwrap(), history);
}

#[test]
fn cnn_loading_bad_weights_keeps_model() {
    let dir = scratch_dir("cnn_bad_weights");
    let (images, _) = small_training_set(20);
    let mut model = Cnn::new(2);
    let before = predict(&model, images.view()).unwrap();

    let err = model.load(dir.join("missing.safetensors")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");

    let good = dir.join("good.safetensors");
    Cnn::new(5).save(&good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.join("truncated.safetensors");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let err = model.load(&truncated).unwrap_err();
    assert!(matches!(err, Error::Weights { .. }), "{err}");

    // The tutorial's dense network: `0.weight` is [128, 784], not [32, 9].
    let dense = dir.join("dense.safetensors");
    Model::new(0).save(&dense).unwrap();
    let err = model.load(&dense).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::Weights { .. }), "{message}");
    assert!(message.contains("0.weight"), "{message}");
    assert!(message.contains("[128, 784]"), "{message}");
    assert!(message.contains("[32, 9]"), "{message}");

    // And the other way round.
    let mut dense_model = Model::new(0);
    let err = dense_model.load(&good).unwrap_err();
    assert!(err.to_string().contains("[32, 9]"), "{err}");

    assert_eq!(predict(&model, images.view()).unwrap(), before);
}
