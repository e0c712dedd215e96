//! The tutorial model: training on the real data, guards on inputs, saving and loading.

use fashion_mnist::prelude::*;
use fashion_mnist::train::check_inputs;

mod common;
use common::{file_names, scratch_dir, small_training_set};

#[test]
fn model_has_keras_parameter_count() {
    let model = Model::new(0);
    // Keras's model.summary() for Flatten, Dense(128), Dense(10): 100,480 + 1,290.
    assert_eq!(model.num_parameters(), 101_770);
    let per_layer: Vec<usize> = model.layers().iter().map(|l| l.parameters).collect();
    assert_eq!(per_layer, vec![0, 100_480, 1_290]);
}

#[test]
fn full_training_reaches_tutorial_accuracy() {
    let dataset = load_data().expect("Fashion-MNIST must be installed: run `make data`");
    let scaled = Scaled::from_dataset(&dataset);
    let mut model = Model::new(0);
    let history = train(
        &mut model,
        &TrainConfig::default(),
        scaled.train_images.view(),
        scaled.train_labels.view(),
        None,
    )
    .unwrap();
    assert_eq!(history.epochs.len(), 10);
    let first = &history.epochs[0];
    let last = history.last().unwrap();
    assert!(
        last.loss < first.loss,
        "loss {} -> {}",
        first.loss,
        last.loss
    );
    let test = evaluate(&model, scaled.test_images.view(), scaled.test_labels.view()).unwrap();
    // The TensorFlow tutorial reports a test accuracy of about 0.87-0.88 after 10 epochs.
    assert!(test.accuracy >= 0.87, "test accuracy {}", test.accuracy);
    assert!(
        last.accuracy > test.accuracy,
        "training accuracy above test accuracy"
    );
}

#[test]
fn same_seed_gives_same_history() {
    let (images, labels) = small_training_set(2_000);
    let config = TrainConfig {
        epochs: 2,
        ..TrainConfig::default()
    };
    let mut first = Model::new(7);
    let mut second = Model::new(7);
    let a = train(&mut first, &config, images.view(), labels.view(), None).unwrap();
    let b = train(&mut second, &config, images.view(), labels.view(), None).unwrap();
    let losses = |h: &History| h.epochs.iter().map(|e| e.loss).collect::<Vec<_>>();
    assert_eq!(losses(&a), losses(&b));
    let probabilities_a = predict(&first, images.view()).unwrap();
    let probabilities_b = predict(&second, images.view()).unwrap();
    assert_eq!(probabilities_a, probabilities_b);
}

#[test]
fn partial_last_batch_is_used() {
    let (images, labels) = small_training_set(100);
    let config = TrainConfig {
        epochs: 1,
        batch_size: 32,
        ..TrainConfig::default()
    };
    let mut model = Model::new(0);
    let history = train(&mut model, &config, images.view(), labels.view(), None).unwrap();
    assert_eq!(history.epochs.len(), 1);
    assert!(history.epochs[0].loss.is_finite());
}

#[test]
fn unscaled_images_are_rejected() {
    let dataset = load_data().expect("Fashion-MNIST must be installed: run `make data`");
    let raw = dataset
        .train_images
        .slice(ndarray::s![..10, .., ..])
        .mapv(f32::from);
    let labels = dataset.train_labels.slice(ndarray::s![..10]).to_owned();
    let mut model = Model::new(0);
    let err = train(
        &mut model,
        &TrainConfig::default(),
        raw.view(),
        labels.view(),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::NotScaled { max, .. } if max == 255.0),
        "{err}"
    );
    assert!(err.to_string().contains("255"));
    let err = evaluate(&model, raw.view(), labels.view()).unwrap_err();
    assert!(matches!(err, Error::NotScaled { .. }), "{err}");
    let err = predict(&model, raw.view()).unwrap_err();
    assert!(matches!(err, Error::NotScaled { .. }), "{err}");
}

#[test]
fn mismatched_lengths_are_rejected() {
    let images = Array3::<f32>::zeros((5, 28, 28));
    let labels = Array1::<u8>::zeros(4);
    let err = check_inputs("training", images.view(), labels.view()).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    assert!(err.to_string().contains('5') && err.to_string().contains('4'));
}

#[test]
fn image_of_27_by_28_is_rejected() {
    let model = Model::new(0);
    let images = Array3::<f32>::zeros((2, 27, 28));
    let err = predict(&model, images.view()).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    assert!(err.to_string().contains("27"));
}

#[test]
fn huge_learning_rate_stops_with_nonfinite_loss() {
    let (images, labels) = small_training_set(3_000);
    let config = TrainConfig {
        epochs: 3,
        learning_rate: 1e38,
        ..TrainConfig::default()
    };
    let mut model = Model::new(0);
    let err = train(&mut model, &config, images.view(), labels.view(), None).unwrap_err();
    assert!(matches!(err, Error::NonFiniteLoss { .. }), "{err}");
    // The weights that gave the last finite loss are restored: all probabilities finite.
    let probabilities = predict(&model, images.view()).unwrap();
    assert!(probabilities.iter().all(|p| p.is_finite()));
}

#[test]
fn probabilities_sum_to_one() {
    let (images, _) = small_training_set(200);
    let model = Model::new(3);
    let probabilities = predict(&model, images.view()).unwrap();
    assert_eq!(probabilities.shape(), &[200, 10]);
    for row in probabilities.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-5, "row sums to {}", row.sum());
    }
    let single = predict_image(&model, images.index_axis(Axis(0), 0)).unwrap();
    assert_eq!(single, probabilities.row(0).to_owned());
}

#[test]
fn save_and_load_round_trip() {
    let dir = scratch_dir("round_trip");
    let (images, labels) = small_training_set(500);
    let config = TrainConfig {
        epochs: 1,
        ..TrainConfig::default()
    };
    let mut model = Model::new(1);
    let history = train(&mut model, &config, images.view(), labels.view(), None).unwrap();
    let paths = save_training(&dir, &model, &config, &history).unwrap();
    let loaded = Model::from_file(&paths[0]).unwrap();
    assert_eq!(
        predict(&model, images.view()).unwrap(),
        predict(&loaded, images.view()).unwrap()
    );
    assert_eq!(load_history(&paths[2]).unwrap(), history);
    let config_text = std::fs::read_to_string(&paths[1]).unwrap();
    assert!(config_text.contains("batch_size = 32"), "{config_text}");
    assert_eq!(
        file_names(&dir),
        vec!["history.csv", "model.safetensors", "training_config.toml"]
    );
}

#[test]
fn loading_bad_weights_keeps_model() {
    let dir = scratch_dir("bad_weights");
    let (images, _) = small_training_set(50);
    let mut model = Model::new(2);
    let before = predict(&model, images.view()).unwrap();

    let missing = dir.join("missing.safetensors");
    let err = model.load(&missing).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");

    let good = dir.join("good.safetensors");
    Model::new(5).save(&good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.join("truncated.safetensors");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let err = model.load(&truncated).unwrap_err();
    assert!(matches!(err, Error::Weights { .. }), "{err}");

    // A single dense layer saved under the same tensor names but another shape.
    let other = dir.join("other.safetensors");
    let device = dfdx::prelude::Cpu::default();
    use dfdx::prelude::*;
    let net = device.build_module::<(Linear<784, 64>, ReLU, Linear<64, 10>), f32>();
    net.save_safetensors(&other).unwrap();
    let err = model.load(&other).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::Weights { .. }), "{message}");
    assert!(message.contains("0.weight"), "{message}");
    assert!(
        message.contains("[64, 784]") && message.contains("[128, 784]"),
        "{message}"
    );

    assert_eq!(predict(&model, images.view()).unwrap(), before);
}

#[test]
fn logits_of_1e4_keep_loss_finite() {
    // Output biases of ±1e4 give logits near ±1e4. Softmax and cross-entropy work on
    // logits shifted by their maximum, so neither overflows and training goes on.
    let (images, labels) = small_training_set(64);
    let mut model = Model::new(0);
    let biases: Vec<f32> = (0..10)
        .map(|class| if class % 2 == 0 { 1e4 } else { -1e4 })
        .collect();
    model.net.2.bias.copy_from(&biases);
    let logits = model.logits(images.view()).unwrap();
    assert!(logits.iter().any(|&value| value > 9e3));
    assert!(logits.iter().any(|&value| value < -9e3));

    let probabilities = predict(&model, images.view()).unwrap();
    for row in probabilities.rows() {
        assert!(row.iter().all(|p| p.is_finite()), "{row}");
        assert!((row.sum() - 1.0).abs() < 1e-5, "row sums to {}", row.sum());
    }
    let before = evaluate(&model, images.view(), labels.view()).unwrap();
    assert!(
        before.loss.is_finite() && before.loss > 1e3,
        "{}",
        before.loss
    );

    let config = TrainConfig {
        epochs: 1,
        ..TrainConfig::default()
    };
    let history = train(&mut model, &config, images.view(), labels.view(), None).unwrap();
    assert!(
        history.epochs[0].loss.is_finite(),
        "{}",
        history.epochs[0].loss
    );
}

#[test]
fn nonfinite_loss_restores_weights_of_last_finite_loss() {
    // With a learning rate of 1e38 the first update already makes weights of about
    // 1e38, so the second batch's loss is infinite or NaN and the weights before the
    // first update must come back.
    let (images, labels) = small_training_set(64);
    let config = TrainConfig {
        epochs: 1,
        learning_rate: 1e38,
        ..TrainConfig::default()
    };
    let mut model = Model::new(0);
    let before = model.logits(images.view()).unwrap();
    let err = train(&mut model, &config, images.view(), labels.view(), None).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NonFiniteLoss {
                epoch: 1,
                batch: 2,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(model.logits(images.view()).unwrap(), before);
}
