//! Training: the configuration, the training loop and its history.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use dfdx::prelude::*;
use ndarray::{ArrayView1, ArrayView3};

use crate::data::NUM_CLASSES;
use crate::error::{Error, Result};
use crate::evaluate::evaluate;
use crate::files::write_then_rename;
pub use crate::model::Classifier;
use crate::model::{check_image_shape, Model, PIXELS};

/// File names written by [`save_training`] under `data/`.
pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const CONFIG_FILE: &str = "training_config.toml";
pub const HISTORY_FILE: &str = "history.csv";

/// Training settings. [`TrainConfig::default`] gives the tutorial's values.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training set; default 10.
    pub epochs: usize,
    /// Images per gradient step; default 32, the Keras default. The last batch of an
    /// epoch holds the remainder (60,000 = 1,875 x 32, so none for the defaults).
    pub batch_size: usize,
    /// Adam step size; default 0.001, the Keras default.
    pub learning_rate: f64,
    /// Adam's decay rates of the first and second moment estimates; default 0.9, 0.999.
    pub betas: [f64; 2],
    /// Adam's epsilon; default 1e-7, the Keras default (dfdx's own default is 1e-8).
    pub epsilon: f64,
    /// Shuffle the training images at the start of every epoch; default true.
    pub shuffle: bool,
    /// Seed of the initial weights and of the shuffling; default 0.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 10,
            batch_size: 32,
            learning_rate: 1e-3,
            betas: [0.9, 0.999],
            epsilon: 1e-7,
            shuffle: true,
            seed: 0,
        }
    }
}

impl TrainConfig {
    /// The configuration as TOML text, one `key = value` per line.
    pub fn to_toml(&self) -> String {
        format!(
            "epochs = {}\nbatch_size = {}\nlearning_rate = {:e}\nbetas = [{}, {}]\nepsilon = {:e}\nshuffle = {}\nseed = {}\n",
            self.epochs,
            self.batch_size,
            self.learning_rate,
            self.betas[0],
            self.betas[1],
            self.epsilon,
            self.shuffle,
            self.seed
        )
    }

    fn validate(&self) -> Result<()> {
        let invalid = |what: &str, expected: &str, found: String| {
            Err(Error::InvalidArgument {
                what: format!("TrainConfig.{what}"),
                expected: expected.into(),
                found,
            })
        };
        if self.epochs == 0 {
            return invalid("epochs", "at least 1", self.epochs.to_string());
        }
        if self.batch_size == 0 {
            return invalid("batch_size", "at least 1", self.batch_size.to_string());
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return invalid(
                "learning_rate",
                "a positive number",
                self.learning_rate.to_string(),
            );
        }
        if !self.betas.iter().all(|beta| (0.0..1.0).contains(beta)) {
            return invalid("betas", "values in [0, 1)", format!("{:?}", self.betas));
        }
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return invalid("epsilon", "a positive number", self.epsilon.to_string());
        }
        Ok(())
    }
}

/// Statistics of one training epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochStats {
    /// Epoch number, starting at 1.
    pub epoch: usize,
    /// Mean sparse categorical cross-entropy over the epoch's batches.
    pub loss: f32,
    /// Fraction of training images classified correctly during the epoch, in [0, 1].
    pub accuracy: f32,
    /// Wall-clock seconds the epoch took.
    pub seconds: f32,
    /// Training images processed per second.
    pub images_per_second: f32,
    /// Loss on the validation (test) set after the epoch, when one was given.
    pub test_loss: Option<f32>,
    /// Accuracy on the validation (test) set after the epoch, when one was given.
    pub test_accuracy: Option<f32>,
}

impl EpochStats {
    /// The fixed-width line printed after each epoch.
    pub fn line(&self, epochs: usize) -> String {
        let mut line = format!(
            "epoch {:>2}/{epochs}  loss {:.4}  accuracy {:.4}  {:>6.2} s  {:>8.0} images/s",
            self.epoch, self.loss, self.accuracy, self.seconds, self.images_per_second
        );
        if let (Some(loss), Some(accuracy)) = (self.test_loss, self.test_accuracy) {
            let _ = write!(line, "  test loss {loss:.4}  test accuracy {accuracy:.4}");
        }
        line
    }
}

/// Per-epoch statistics of one training run, in epoch order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub epochs: Vec<EpochStats>,
}

impl History {
    /// Statistics of the last epoch, or `None` before training.
    pub fn last(&self) -> Option<&EpochStats> {
        self.epochs.last()
    }

    /// The history as CSV with a header line; absent test values are empty fields.
    pub fn to_csv(&self) -> String {
        let mut csv =
            String::from("epoch,loss,accuracy,seconds,images_per_second,test_loss,test_accuracy\n");
        let optional = |value: Option<f32>| value.map(|v| v.to_string()).unwrap_or_default();
        for stats in &self.epochs {
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{},{}",
                stats.epoch,
                stats.loss,
                stats.accuracy,
                stats.seconds,
                stats.images_per_second,
                optional(stats.test_loss),
                optional(stats.test_accuracy)
            );
        }
        csv
    }

    /// Parses CSV written by [`History::to_csv`]; `path` is only used in errors.
    pub fn from_csv(csv: &str, path: &Path) -> Result<Self> {
        let invalid = |line: usize, message: String| {
            Error::InvalidArgument {
            what: format!("line {line} of {}", path.display()),
            expected: "a history row: epoch,loss,accuracy,seconds,images_per_second,test_loss,test_accuracy".into(),
            found: message,
        }
        };
        let mut epochs = Vec::new();
        for (index, row) in csv.lines().enumerate().skip(1) {
            if row.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = row.split(',').collect();
            if fields.len() != 7 {
                return Err(invalid(index + 1, format!("{} fields", fields.len())));
            }
            let number = |field: &str| -> Result<f32> {
                field
                    .parse::<f32>()
                    .map_err(|_| invalid(index + 1, format!("`{field}`")))
            };
            let optional = |field: &str| -> Result<Option<f32>> {
                if field.is_empty() {
                    Ok(None)
                } else {
                    number(field).map(Some)
                }
            };
            epochs.push(EpochStats {
                epoch: fields[0]
                    .parse()
                    .map_err(|_| invalid(index + 1, format!("`{}`", fields[0])))?,
                loss: number(fields[1])?,
                accuracy: number(fields[2])?,
                seconds: number(fields[3])?,
                images_per_second: number(fields[4])?,
                test_loss: optional(fields[5])?,
                test_accuracy: optional(fields[6])?,
            });
        }
        Ok(History { epochs })
    }
}

/// Deterministic random numbers for shuffling (SplitMix64), seeded from the config.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Fisher-Yates shuffle of `items`.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Checks images `[n, 28, 28]` in [0, 1] against labels `[n]` in 0..=9.
pub fn check_inputs(what: &str, images: ArrayView3<f32>, labels: ArrayView1<u8>) -> Result<()> {
    check_image_shape(&format!("{what} images"), images.shape())?;
    if images.shape()[0] != labels.len() {
        return Err(Error::Shape {
            what: format!("{what} images and labels"),
            expected: format!("one label per image ({} images)", images.shape()[0]),
            found: format!("{} labels", labels.len()),
        });
    }
    if images.shape()[0] == 0 {
        return Err(Error::Shape {
            what: format!("{what} images"),
            expected: "at least one image".into(),
            found: "0 images".into(),
        });
    }
    if let Some((index, &label)) = labels
        .iter()
        .enumerate()
        .find(|(_, &label)| label as usize >= NUM_CLASSES)
    {
        return Err(Error::InvalidArgument {
            what: format!("{what} label at index {index}"),
            expected: format!("a class in 0..={}", NUM_CLASSES - 1),
            found: label.to_string(),
        });
    }
    crate::preprocess::check_scaled(&format!("{what} images"), &images)
}

/// Trains `model` on scaled `images` `[n, 28, 28]` `f32` in [0, 1] with `labels` `[n]`
/// 0..=9, printing one line per epoch, and returns the history.
///
/// Each step is the one the tutorial's `model.fit` performs: a forward pass to logits,
/// sparse categorical cross-entropy (softmax and cross-entropy on the logits), the
/// gradients by backpropagation, and one Adam update. When `validation` (test images
/// and labels) is given, its loss and accuracy are measured after each epoch. Any
/// [`Classifier`] trains the same way: [`Model`] and [`crate::cnn::Cnn`].
///
/// The last batch of an epoch contains the remaining images when `batch_size` does not
/// divide their number, and it takes part in the update like any other batch. The
/// gradient buffers are allocated once and reused by every batch, so memory stays flat
/// over the epochs.
///
/// # Errors
/// Invalid configuration or inputs, checked before any training. [`Error::NonFiniteLoss`]
/// when the loss becomes NaN or infinite: the model then gets back the weights that gave
/// the last finite loss, and the history up to then is lost.
pub fn train<M: Classifier>(
    model: &mut M,
    config: &TrainConfig,
    images: ArrayView3<f32>,
    labels: ArrayView1<u8>,
    validation: Option<(ArrayView3<f32>, ArrayView1<u8>)>,
) -> Result<History> {
    if M::TRAINING_THREADS == 0 {
        return train_on_current_pool(model, config, images, labels, validation);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(M::TRAINING_THREADS)
        .build()
        .map_err(|err| Error::InvalidArgument {
            what: "training thread pool".into(),
            expected: format!("{} threads", M::TRAINING_THREADS),
            found: err.to_string(),
        })?;
    pool.install(|| train_on_current_pool(model, config, images, labels, validation))
}

/// The body of [`train`], run on the current rayon pool.
fn train_on_current_pool<M: Classifier>(
    model: &mut M,
    config: &TrainConfig,
    images: ArrayView3<f32>,
    labels: ArrayView1<u8>,
    validation: Option<(ArrayView3<f32>, ArrayView1<u8>)>,
) -> Result<History> {
    config.validate()?;
    check_inputs("training", images, labels)?;
    if let Some((test_images, test_labels)) = validation {
        check_inputs("validation", test_images, test_labels)?;
    }

    model.refresh_tensor_ids();
    let count = images.shape()[0];
    let images = images.as_standard_layout();
    let flat = images.as_slice().unwrap_or_default();
    let mut order: Vec<usize> = (0..count).collect();
    let mut rng = SplitMix64(config.seed);
    let mut optimizer = Adam::new(config);
    // Allocated once and handed back and forth between the tape and the optimizer.
    let mut grads = model.net().alloc_grads();
    let mut history = History::default();

    for epoch in 1..=config.epochs {
        let started = Instant::now();
        if config.shuffle {
            rng.shuffle(&mut order);
        }
        let mut loss_sum = 0.0f64;
        let mut correct = 0usize;
        let mut batches = 0usize;
        for (batch_index, indices) in order.chunks(config.batch_size).enumerate() {
            let size = indices.len();
            let mut batch_pixels = Vec::with_capacity(size * PIXELS);
            let mut batch_targets = Vec::with_capacity(size * NUM_CLASSES);
            for &index in indices {
                batch_pixels.extend_from_slice(&flat[index * PIXELS..(index + 1) * PIXELS]);
                let mut one_hot = [0.0f32; NUM_CLASSES];
                one_hot[labels[index] as usize] = 1.0;
                batch_targets.extend_from_slice(&one_hot);
            }
            let y = model
                .device()
                .tensor_from_vec(batch_targets, (size, Const::<NUM_CLASSES>));

            let logits = model.forward_traced(batch_pixels, size, grads);
            correct += count_correct(&logits.as_vec(), indices, labels);
            let loss = cross_entropy_with_logits_loss(logits, y);
            let loss_value = loss.array();
            if !loss_value.is_finite() {
                optimizer.restore_previous(model.net_mut())?;
                return Err(Error::NonFiniteLoss {
                    epoch,
                    batch: batch_index + 1,
                    loss: loss_value,
                });
            }
            grads = loss.backward();
            optimizer.update(model.net_mut(), &mut grads)?;
            model.net().zero_grads(&mut grads);
            loss_sum += f64::from(loss_value);
            batches += 1;
        }
        let seconds = started.elapsed().as_secs_f32();
        let (test_loss, test_accuracy) = match validation {
            Some((test_images, test_labels)) => {
                let result = evaluate(model, test_images, test_labels)?;
                (Some(result.loss), Some(result.accuracy))
            }
            None => (None, None),
        };
        let stats = EpochStats {
            epoch,
            loss: (loss_sum / batches as f64) as f32,
            accuracy: correct as f32 / count as f32,
            seconds,
            images_per_second: count as f32 / seconds.max(f32::EPSILON),
            test_loss,
            test_accuracy,
        };
        println!("{}", stats.line(config.epochs));
        history.epochs.push(stats);
    }
    Ok(history)
}

/// Adam as dfdx 0.13 computes it (`m̂ / (sqrt(v̂) + ε)` with bias-corrected moments),
/// with a copy of the weights before the latest update.
///
/// dfdx's own Adam kernel raises both betas to the power of the step number once per
/// parameter. This one computes the bias corrections once per step, and it treats
/// gradients and moments too small to move a weight as 0 (see [`FLUSH_GRADIENT`]). It also
/// keeps the weights in `current` and the weights before the latest update in
/// `previous`, so a non-finite loss can restore the weights that gave the last finite
/// loss without cloning the network every batch.
struct Adam {
    config: TrainConfig,
    /// Updates made so far.
    step: i32,
    /// One buffer per parameter tensor, in the network's visiting order.
    current: Vec<Vec<f32>>,
    previous: Vec<Vec<f32>>,
    moment1: Vec<Vec<f32>>,
    moment2: Vec<Vec<f32>>,
}

/// Gradients smaller than this are treated as 0 by the Adam update. With the default
/// epsilon of 1e-7, such a gradient moves a weight by less than 1e-8 times the learning
/// rate. Its square, though, is a subnormal `f32`, and x86 processors run arithmetic on
/// subnormal numbers in slow microcode. Without this flush, `perf` showed the update
/// taking about half of each training step on a 2-core x86-64 machine.
const FLUSH_GRADIENT: f32 = 1e-15;
/// Moment estimates smaller than this are set to 0, so that their decay by the betas
/// never reaches the subnormal range (below 1.2e-38) either.
const FLUSH_MOMENT: f32 = 1e-30;

/// The work of one walk over the network's tensors.
enum AdamWalk<'a> {
    /// Updates every tensor from its gradient.
    Update(&'a mut Adam, &'a mut Gradients<f32, Cpu>),
    /// Writes the weights before the latest update back into every tensor.
    Restore(&'a Adam),
}

/// A visitor that applies an [`AdamWalk`] to each tensor, counting tensors in `index`.
struct AdamVisitor<'a> {
    walk: AdamWalk<'a>,
    index: usize,
}

impl Adam {
    fn new(config: &TrainConfig) -> Self {
        Adam {
            config: config.clone(),
            step: 0,
            current: Vec::new(),
            previous: Vec::new(),
            moment1: Vec::new(),
            moment2: Vec::new(),
        }
    }

    /// Applies one Adam update to `net` from `grads`.
    fn update<N: TensorCollection<f32, Cpu>>(
        &mut self,
        net: &mut N,
        grads: &mut Gradients<f32, Cpu>,
    ) -> Result<()> {
        self.step = self.step.saturating_add(1);
        walk(net, AdamWalk::Update(self, grads))
    }

    /// Puts the weights from before the latest update back into `net`; does nothing
    /// before the first update.
    fn restore_previous<N: TensorCollection<f32, Cpu>>(&self, net: &mut N) -> Result<()> {
        if self.previous.is_empty() {
            return Ok(());
        }
        walk(net, AdamWalk::Restore(self))
    }

    /// Updates one tensor's buffers from `gradient`: the moments in place, and the new
    /// weights written over `previous[index]`, which then becomes `current[index]`.
    fn update_tensor(&mut self, index: usize, gradient: &[f32]) {
        let [beta1, beta2] = self.config.betas.map(|beta| beta as f32);
        let epsilon = self.config.epsilon as f32;
        let learning_rate = self.config.learning_rate as f32;
        let correction1 = (1.0 - beta1.powi(self.step)).recip();
        let correction2 = (1.0 - beta2.powi(self.step)).recip();
        let weights = self.current[index]
            .iter()
            .zip(self.previous[index].iter_mut());
        let moments = self.moment1[index]
            .iter_mut()
            .zip(self.moment2[index].iter_mut());
        for (((&old, new), &g), (m, v)) in weights.zip(gradient).zip(moments) {
            // Selects and unconditional stores, so that the loop stays vectorised.
            let g = if g.abs() < FLUSH_GRADIENT { 0.0 } else { g };
            let m_new = *m * beta1 + g * (1.0 - beta1);
            let m_new = if m_new.abs() < FLUSH_MOMENT {
                0.0
            } else {
                m_new
            };
            let v_new = *v * beta2 + g * g * (1.0 - beta2);
            let v_new = if v_new < FLUSH_MOMENT { 0.0 } else { v_new };
            *m = m_new;
            *v = v_new;
            let m_hat = m_new * correction1;
            let v_hat = v_new * correction2;
            *new = old - learning_rate * m_hat / (v_hat.sqrt() + epsilon);
        }
        std::mem::swap(&mut self.current[index], &mut self.previous[index]);
    }
}

fn walk<N: TensorCollection<f32, Cpu>>(net: &mut N, walk: AdamWalk<'_>) -> Result<()> {
    let mut visitor = AdamVisitor { walk, index: 0 };
    N::iter_tensors(&mut RecursiveWalker {
        m: net,
        f: &mut visitor,
    })
    .map_err(|err| Error::InvalidArgument {
        what: "the optimizer update".into(),
        expected: "a successful update on the CPU".into(),
        found: format!("{err:?}"),
    })?;
    Ok(())
}

impl TensorVisitor<f32, Cpu> for AdamVisitor<'_> {
    type Viewer = ViewTensorMut;
    type Err = <Cpu as HasErr>::Err;
    type E2 = f32;
    type D2 = Cpu;

    fn visit<S: Shape>(
        &mut self,
        options: TensorOptions<S, f32, Cpu>,
        tensor: &mut Tensor<S, f32, Cpu>,
    ) -> std::result::Result<Option<Tensor<S, f32, Cpu>>, Self::Err> {
        if !options.do_gradient_update {
            return Ok(None);
        }
        let index = self.index;
        self.index += 1;
        match &mut self.walk {
            AdamWalk::Update(adam, grads) => {
                if adam.current.len() == index {
                    let weights = tensor.as_vec();
                    adam.previous.push(weights.clone());
                    adam.moment1.push(vec![0.0; weights.len()]);
                    adam.moment2.push(vec![0.0; weights.len()]);
                    adam.current.push(weights);
                }
                let gradient = grads.get_or_alloc_mut(tensor)?;
                adam.update_tensor(index, gradient);
                tensor.copy_from(&adam.current[index]);
            }
            AdamWalk::Restore(adam) => {
                if let Some(weights) = adam.previous.get(index) {
                    tensor.copy_from(weights);
                }
            }
        }
        Ok(None)
    }
}

/// Counts rows of `logits` (row-major `[batch, 10]`) whose largest value is at the label.
fn count_correct(logits: &[f32], indices: &[usize], labels: ArrayView1<u8>) -> usize {
    logits
        .chunks_exact(NUM_CLASSES)
        .zip(indices)
        .filter(|(row, &index)| crate::predict::argmax(row) == labels[index] as usize)
        .count()
}

/// Paths of the weights, configuration and history files in `dir`.
pub fn training_paths(dir: &Path) -> [PathBuf; 3] {
    [
        dir.join(WEIGHTS_FILE),
        dir.join(CONFIG_FILE),
        dir.join(HISTORY_FILE),
    ]
}

/// Saves the weights (safetensors), the configuration (TOML) and the history (CSV)
/// side by side in `dir`, and returns their paths.
pub fn save_training<M: Classifier>(
    dir: impl AsRef<Path>,
    model: &M,
    config: &TrainConfig,
    history: &History,
) -> Result<[PathBuf; 3]> {
    let paths = training_paths(dir.as_ref());
    model.save_weights(&paths[0])?;
    for (path, text) in [(&paths[1], config.to_toml()), (&paths[2], history.to_csv())] {
        write_then_rename(path, |partial| {
            std::fs::write(partial, &text).map_err(|source| Error::io("writing", partial, source))
        })?;
    }
    Ok(paths)
}

/// Reads a history saved by [`save_training`].
pub fn load_history(path: impl AsRef<Path>) -> Result<History> {
    let path = path.as_ref();
    let csv = std::fs::read_to_string(path).map_err(|source| Error::io("reading", path, source))?;
    History::from_csv(&csv, path)
}

/// Loads the model and history saved by the modelling notebook from `data/`, or, when
/// the weights are missing, trains the tutorial's model with [`TrainConfig::default`]
/// on `scaled`, saves it there and returns it. Says on standard output which happened.
pub fn load_or_train(scaled: &crate::preprocess::Scaled) -> Result<(Model, History)> {
    let [weights, _, history_path] = training_paths(&crate::data::generated_dir());
    if weights.is_file() {
        let model = Model::from_file(&weights)?;
        let history = if history_path.is_file() {
            load_history(&history_path)?
        } else {
            History::default()
        };
        println!("loaded the trained model from {}", weights.display());
        return Ok((model, history));
    }
    println!(
        "no trained model at {}: training one now with the default configuration (10 epochs)",
        weights.display()
    );
    let config = TrainConfig::default();
    let mut model = Model::new(config.seed);
    let history = train(
        &mut model,
        &config,
        scaled.train_images.view(),
        scaled.train_labels.view(),
        None,
    )?;
    save_training(crate::data::generated_dir(), &model, &config, &history)?;
    Ok((model, history))
}
