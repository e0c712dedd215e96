//! The `fashion-mnist` program: usage errors, unreadable images, and a short
//! train, evaluate and predict run on files the tests write.

use std::path::Path;
use std::process::{Command, Output};

use image::{GrayImage, Luma, RgbImage};

mod common;
use common::scratch_dir;

fn run(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fashion-mnist"))
        .args(arguments)
        .output()
        .expect("the fashion-mnist binary must run")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A dark trouser-like shape (two legs) on a white background, like a catalogue photo.
fn write_trousers_photo(path: &Path) {
    let mut photo = RgbImage::from_pixel(120, 200, image::Rgb([250, 250, 250]));
    for y in 20..180 {
        for x in 30..90 {
            let gap = y > 60 && (56..64).contains(&x);
            if !gap {
                photo.put_pixel(x, y, image::Rgb([40, 40, 60]));
            }
        }
    }
    photo.save(path).unwrap();
}

#[test]
fn help_exits_zero() {
    let output = run(&["help"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("predict FILE"));
}

#[test]
fn unknown_command_exits_two() {
    let output = run(&["fit"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unknown command `fit`"));
}

#[test]
fn invalid_option_value_exits_two() {
    let output = run(&["train", "--epochs", "ten"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--epochs is `ten`"));
    let output = run(&["train", "--model", "resnet"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("resnet"));
}

#[test]
fn predict_without_weights_names_path() {
    let dir = scratch_dir("cli_no_weights");
    let photo = dir.join("trousers.png");
    write_trousers_photo(&photo);
    let output = run(&[
        "predict",
        "--output",
        dir.to_str().unwrap(),
        photo.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("model.safetensors"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn train_evaluate_predict_round_trip() {
    let dir = scratch_dir("cli_round_trip");
    let model_dir = dir.to_str().unwrap();
    let output = run(&[
        "train",
        "--epochs",
        "2",
        "--train-images",
        "3000",
        "--output",
        model_dir,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("epoch  1/2"), "{text}");
    assert!(text.contains("epoch  2/2"), "{text}");
    for name in ["model.safetensors", "training_config.toml", "history.csv"] {
        assert!(dir.join(name).is_file(), "{name} missing");
    }
    let config = std::fs::read_to_string(dir.join("training_config.toml")).unwrap();
    assert!(config.contains("epochs = 2"), "{config}");

    let output = run(&["evaluate", "--output", model_dir]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("test accuracy"), "{text}");
    assert!(text.contains("10000 images"), "{text}");

    let png = dir.join("trousers.png");
    write_trousers_photo(&png);
    let jpeg = dir.join("trousers.jpg");
    image::open(&png).unwrap().save(&jpeg).unwrap();
    let output = run(&[
        "predict",
        "--output",
        model_dir,
        png.to_str().unwrap(),
        jpeg.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    for (line, path) in lines.iter().zip([&png, &jpeg]) {
        assert!(line.starts_with(&format!("{}: ", path.display())), "{line}");
        assert!(line.ends_with("%)"), "{line}");
        let known_class = fashion_mnist::data::CLASS_NAMES
            .iter()
            .any(|name| line.contains(&format!(": {name} (")));
        assert!(known_class, "{line}");
    }
}

#[test]
fn unreadable_image_exits_one() {
    let dir = scratch_dir("cli_unreadable");
    // Weights are needed before any image is read.
    let weights = dir.join("model.safetensors");
    fashion_mnist::prelude::Model::new(0)
        .save(&weights)
        .unwrap();
    let not_an_image = dir.join("notes.png");
    std::fs::write(&not_an_image, "this is text, not a PNG").unwrap();
    let output = run(&[
        "predict",
        "--output",
        dir.to_str().unwrap(),
        not_an_image.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("notes.png"), "{message}");
    assert!(message.contains("PNG or JPEG"), "{message}");

    let missing = dir.join("missing.jpg");
    let output = run(&[
        "predict",
        "--output",
        dir.to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("missing.jpg"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn light_background_photo_is_inverted_and_centred() {
    // A black 10x40 bar on white, off-centre in a 100x100 photo.
    let mut photo = GrayImage::from_pixel(100, 100, Luma([255]));
    for y in 5..45 {
        for x in 70..80 {
            photo.put_pixel(x, y, Luma([0]));
        }
    }
    let image = fashion_mnist::predict::garment_image(&photo);
    assert_eq!(image.shape(), &[28, 28]);
    // The bar becomes light on dark, 28 rows high and centred: 7 columns wide.
    assert!(image[[14, 14]] > 0.9, "centre {}", image[[14, 14]]);
    assert!(image[[0, 14]] > 0.9, "top {}", image[[0, 14]]);
    assert!(image[[14, 0]] < 0.05, "left edge {}", image[[14, 0]]);
    assert!(image[[14, 27]] < 0.05, "right edge {}", image[[14, 27]]);
    let lit_columns = (0..28).filter(|&col| image[[14, col]] > 0.5).count();
    assert!((6..=8).contains(&lit_columns), "{lit_columns} lit columns");
    assert!(image.iter().all(|&value| (0.0..=1.0).contains(&value)));
}
