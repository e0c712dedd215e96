//! `fashion-mnist`: train, evaluate and use the Fashion-MNIST classifiers from a shell.
//!
//! Run `fashion-mnist help` for the commands and options. Errors go to standard error
//! and the exit code is 1 for a failed command and 2 for invalid usage.

use std::path::PathBuf;
use std::process::ExitCode;

use fashion_mnist::data::{generated_dir, load_data, load_data_from, CLASS_NAMES};
use fashion_mnist::predict::read_garment_image;
use fashion_mnist::prelude::*;
use fashion_mnist::train::{training_paths, Classifier};

const USAGE: &str = "\
usage: fashion-mnist <command> [options]

commands:
  train                 train a model on the 60,000 training images and save it
  evaluate              print the test loss and accuracy of a saved model
  predict FILE...       classify PNG or JPEG photos of single garments
  help                  print this text

options of every command:
  --model mlp|cnn       the network: mlp is the tutorial's dense network (default),
                        cnn the convolutional one
  --output DIR          folder of the model files (default: data/ for mlp, data/cnn/
                        for cnn); train writes model.safetensors, training_config.toml
                        and history.csv there, the other commands read the weights
  --data DIR            folder of the four Fashion-MNIST files (default: searched in
                        $FASHION_MNIST_DIR, data/fashion-mnist/, /usr/share/datasets/fashion-mnist/)

options of train (defaults are the tutorial's):
  --epochs N            passes over the training set (default 10)
  --batch-size N        images per gradient step (default 32)
  --learning-rate X     Adam step size (default 0.001)
  --beta1 X             Adam decay rate of the first moment (default 0.9)
  --beta2 X             Adam decay rate of the second moment (default 0.999)
  --epsilon X           Adam epsilon (default 1e-7)
  --no-shuffle          keep the training images in file order
  --seed N              seed of the initial weights and the shuffling (default 0)
  --train-images N      train on the first N training images only (default: all)
";

/// Exit code for invalid usage (unknown command or option, missing value).
const USAGE_EXIT: u8 = 2;

/// The network an invocation works with.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Architecture {
    Mlp,
    Cnn,
}

/// Parsed command line.
#[derive(Debug)]
struct Options {
    command: String,
    architecture: Architecture,
    output: Option<PathBuf>,
    data: Option<PathBuf>,
    config: TrainConfig,
    train_images: Option<usize>,
    files: Vec<PathBuf>,
}

/// A command-line error: invalid usage, or a failure of the library.
enum CliError {
    Usage(String),
    Library(fashion_mnist::Error),
}

impl From<fashion_mnist::Error> for CliError {
    fn from(error: fashion_mnist::Error) -> Self {
        CliError::Library(error)
    }
}

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match run(&arguments) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(message)) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::from(USAGE_EXIT)
        }
        Err(CliError::Library(error)) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(arguments: &[String]) -> Result<(), CliError> {
    let options = parse(arguments)?;
    match (options.command.as_str(), options.architecture) {
        ("help", _) => {
            print!("{USAGE}");
            Ok(())
        }
        ("train", Architecture::Mlp) => train_command(Model::new(options.config.seed), &options),
        ("train", Architecture::Cnn) => train_command(Cnn::new(options.config.seed), &options),
        ("evaluate", Architecture::Mlp) => evaluate_command(Model::new(0), &options),
        ("evaluate", Architecture::Cnn) => evaluate_command(Cnn::new(0), &options),
        ("predict", Architecture::Mlp) => predict_command(Model::new(0), &options),
        ("predict", Architecture::Cnn) => predict_command(Cnn::new(0), &options),
        (other, _) => Err(CliError::Usage(format!("unknown command `{other}`"))),
    }
}

fn parse(arguments: &[String]) -> Result<Options, CliError> {
    let mut arguments = arguments.iter();
    let command = arguments
        .next()
        .cloned()
        .ok_or_else(|| CliError::Usage("missing command".into()))?;
    let mut options = Options {
        command,
        architecture: Architecture::Mlp,
        output: None,
        data: None,
        config: TrainConfig::default(),
        train_images: None,
        files: Vec::new(),
    };
    if matches!(options.command.as_str(), "-h" | "--help") {
        options.command = "help".into();
    }
    while let Some(argument) = arguments.next() {
        let mut value = |name: &str| {
            arguments
                .next()
                .cloned()
                .ok_or_else(|| CliError::Usage(format!("option {name} needs a value")))
        };
        match argument.as_str() {
            "--model" => {
                options.architecture = match value("--model")?.as_str() {
                    "mlp" => Architecture::Mlp,
                    "cnn" => Architecture::Cnn,
                    other => {
                        return Err(CliError::Usage(format!(
                            "--model is `{other}`, expected `mlp` or `cnn`"
                        )))
                    }
                }
            }
            "--output" => options.output = Some(value("--output")?.into()),
            "--data" => options.data = Some(value("--data")?.into()),
            "--epochs" => options.config.epochs = number("--epochs", &value("--epochs")?)?,
            "--batch-size" => {
                options.config.batch_size = number("--batch-size", &value("--batch-size")?)?
            }
            "--learning-rate" => {
                options.config.learning_rate =
                    number("--learning-rate", &value("--learning-rate")?)?
            }
            "--beta1" => options.config.betas[0] = number("--beta1", &value("--beta1")?)?,
            "--beta2" => options.config.betas[1] = number("--beta2", &value("--beta2")?)?,
            "--epsilon" => options.config.epsilon = number("--epsilon", &value("--epsilon")?)?,
            "--seed" => options.config.seed = number("--seed", &value("--seed")?)?,
            "--no-shuffle" => options.config.shuffle = false,
            "--train-images" => {
                options.train_images = Some(number("--train-images", &value("--train-images")?)?)
            }
            "-h" | "--help" => options.command = "help".into(),
            other if other.starts_with("--") => {
                return Err(CliError::Usage(format!("unknown option `{other}`")))
            }
            file => options.files.push(file.into()),
        }
    }
    if !options.files.is_empty() && options.command != "predict" {
        return Err(CliError::Usage(format!(
            "`{}` takes no file arguments, found `{}`",
            options.command,
            options.files[0].display()
        )));
    }
    Ok(options)
}

fn number<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, CliError> {
    text.parse()
        .map_err(|_| CliError::Usage(format!("{name} is `{text}`, expected a number")))
}

/// The folder of the model files: `--output`, else `data/` or `data/cnn/`.
fn model_dir(options: &Options) -> PathBuf {
    match (&options.output, options.architecture) {
        (Some(dir), _) => dir.clone(),
        (None, Architecture::Mlp) => generated_dir(),
        (None, Architecture::Cnn) => generated_dir().join("cnn"),
    }
}

fn load_dataset(options: &Options) -> fashion_mnist::Result<Dataset> {
    match &options.data {
        Some(dir) => load_data_from(dir),
        None => load_data(),
    }
}

fn train_command<M: Classifier>(mut model: M, options: &Options) -> Result<(), CliError> {
    let scaled = Scaled::from_dataset(&load_dataset(options)?);
    let available = scaled.train_labels.len();
    let count = options.train_images.unwrap_or(available);
    if count == 0 || count > available {
        return Err(CliError::Usage(format!(
            "--train-images is {count}, expected a number in 1..={available}"
        )));
    }
    let images = scaled.train_images.slice(ndarray::s![..count, .., ..]);
    let labels = scaled.train_labels.slice(ndarray::s![..count]);
    println!("training on {count} images with {:?}", options.config);
    let history = train(
        &mut model,
        &options.config,
        images,
        labels,
        Some((scaled.test_images.view(), scaled.test_labels.view())),
    )?;
    let paths = save_training(model_dir(options), &model, &options.config, &history)?;
    for path in paths {
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Loads the weights of `model` from the model folder.
fn load_weights<M: Classifier>(model: &mut M, options: &Options) -> fashion_mnist::Result<()> {
    let [weights, _, _] = training_paths(&model_dir(options));
    model.load_weights(&weights)
}

fn evaluate_command<M: Classifier>(mut model: M, options: &Options) -> Result<(), CliError> {
    load_weights(&mut model, options)?;
    let dataset = load_dataset(options)?;
    let scaled = Scaled::from_dataset(&dataset);
    let result = evaluate(&model, scaled.test_images.view(), scaled.test_labels.view())?;
    println!(
        "test loss {:.4}  test accuracy {:.4}  ({} images)",
        result.loss,
        result.accuracy,
        scaled.test_labels.len()
    );
    Ok(())
}

fn predict_command<M: Classifier>(mut model: M, options: &Options) -> Result<(), CliError> {
    if options.files.is_empty() {
        return Err(CliError::Usage(
            "predict needs at least one image file".into(),
        ));
    }
    load_weights(&mut model, options)?;
    for path in &options.files {
        let image = read_garment_image(path)?;
        let probabilities = predict_image(&model, image.view())?;
        let probabilities = probabilities.to_vec();
        let class = argmax(&probabilities);
        println!(
            "{}: {} ({:.1}%)",
            path.display(),
            CLASS_NAMES[class],
            100.0 * probabilities[class]
        );
    }
    Ok(())
}
