//! The tutorial's network: Flatten, Dense 128 with ReLU, Dense 10 returning logits.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dfdx::prelude::*;
use ndarray::{Array2, ArrayView3};

use crate::data::{IMAGE_SIDE, NUM_CLASSES};
use crate::error::{Error, Result};

/// Pixels in one flattened image: 28 x 28.
pub const PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Units of the hidden dense layer, as in the TensorFlow tutorial.
pub const HIDDEN_UNITS: usize = 128;
/// Images per forward pass when evaluating or predicting; any size gives the same result.
pub const INFERENCE_BATCH: usize = 1000;

/// The architecture as dfdx builders: `[batch, 784]` in, `[batch, 10]` logits out.
/// Flattening `[28, 28]` to `[784]` happens when images are copied into a tensor.
pub type MlpArchitecture = (
    builders::Linear<PIXELS, HIDDEN_UNITS>,
    builders::ReLU,
    builders::Linear<HIDDEN_UNITS, NUM_CLASSES>,
);

/// The built network on the CPU with `f32` weights.
pub type Mlp = <MlpArchitecture as BuildOnDevice<Cpu, f32>>::Built;

/// One row of [`Model::layers`]: what `model.summary()` shows in Keras.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerInfo {
    /// Layer name, as Keras would print it.
    pub name: String,
    /// Output shape, `None` standing for the batch axis.
    pub output_shape: String,
    /// Trainable parameters: weights plus biases.
    pub parameters: usize,
}

/// The tutorial's classifier: the dfdx network and the device it lives on.
#[derive(Debug, Clone)]
pub struct Model {
    pub net: Mlp,
    pub device: Cpu,
}

impl Model {
    /// Builds the network with weights initialised from `seed` (the same seed gives the
    /// same weights). Dense layers start from dfdx's uniform initialisation in
    /// ±1/sqrt(inputs).
    pub fn new(seed: u64) -> Self {
        let device = Cpu::seed_from_u64(seed);
        let net = device.build_module::<MlpArchitecture, f32>();
        Model { net, device }
    }

    /// Rebuilds the network's tensors with the same values but new tensor ids.
    ///
    /// dfdx keys gradients by a tensor id drawn from a counter in a `static`. Under
    /// evcxr each cell can link its own copy of dfdx, so a model made in one cell and
    /// trained in another could share ids with the new tensors of the training step,
    /// which mixes up their gradients. Training calls this first so that every id
    /// comes from the same counter.
    pub fn refresh_tensor_ids(&mut self) {
        let mut fresh = self.device.build_module::<MlpArchitecture, f32>();
        fresh.0.weight.copy_from(&self.net.0.weight.as_vec());
        fresh.0.bias.copy_from(&self.net.0.bias.as_vec());
        fresh.2.weight.copy_from(&self.net.2.weight.as_vec());
        fresh.2.bias.copy_from(&self.net.2.bias.as_vec());
        self.net = fresh;
    }

    /// The layers with their output shapes and parameter counts, Flatten first.
    pub fn layers(&self) -> Vec<LayerInfo> {
        vec![
            LayerInfo {
                name: "flatten (Flatten)".into(),
                output_shape: format!("(None, {PIXELS})"),
                parameters: 0,
            },
            LayerInfo {
                name: "dense (Dense, ReLU)".into(),
                output_shape: format!("(None, {HIDDEN_UNITS})"),
                parameters: self.net.0.weight.shape().num_elements()
                    + self.net.0.bias.shape().num_elements(),
            },
            LayerInfo {
                name: "dense_1 (Dense, logits)".into(),
                output_shape: format!("(None, {NUM_CLASSES})"),
                parameters: self.net.2.weight.shape().num_elements()
                    + self.net.2.bias.shape().num_elements(),
            },
        ]
    }

    /// Total number of trainable parameters (101,770 for the tutorial's network).
    pub fn num_parameters(&self) -> usize {
        self.net.num_trainable_params()
    }

    /// Computes the logits `[n, 10]` of scaled images `[n, 28, 28]` `f32` in [0, 1].
    ///
    /// # Errors
    /// [`Error::Shape`] for images that are not 28x28, [`Error::NotScaled`] for values
    /// outside [0, 1].
    pub fn logits(&self, images: ArrayView3<f32>) -> Result<Array2<f32>> {
        compute_logits(self, images)
    }

    /// Saves the weights as safetensors at `path`, creating the parent folder.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        self.save_weights(path.as_ref())
    }

    /// Replaces the weights with those saved at `path` by [`Model::save`].
    ///
    /// Every tensor's name, dtype and shape are checked before anything is copied, so
    /// on any error the model keeps its current weights.
    ///
    /// # Errors
    /// [`Error::Io`] for a missing file, [`Error::Weights`] for a file that is not
    /// safetensors, is truncated, or holds tensors of another architecture (naming the
    /// tensor with the expected and found shape).
    pub fn load(&mut self, path: impl AsRef<Path>) -> Result<()> {
        self.load_weights(path.as_ref())
    }

    /// Loads a model saved at `path` (see [`Model::load`]).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let mut model = Model::new(0);
        model.load(path)?;
        Ok(model)
    }
}

/// Checks that the safetensors file `bytes` (read from `path`) contains every tensor of
/// `expected` (name, shape) as `f32`, and names the first tensor that is missing or differs.
pub fn check_tensors(path: &Path, bytes: &[u8], expected: &[(String, Vec<usize>)]) -> Result<()> {
    let weights_error = |message: String| Error::Weights {
        path: path.to_path_buf(),
        message,
    };
    let file = ::safetensors::SafeTensors::deserialize(bytes).map_err(|err| {
            weights_error(format!(
                "not a readable safetensors file ({err:?}); it may be truncated: train and save the model again"
            ))
        })?;
    let found: HashMap<String, Vec<usize>> = file
        .tensors()
        .into_iter()
        .map(|(name, view)| (name, view.shape().to_vec()))
        .collect();
    for (name, expected) in expected {
        match found.get(name) {
                None => {
                    return Err(weights_error(format!(
                        "tensor `{name}` with shape {expected:?} is missing (found tensors: {}); the file was saved for another architecture",
                        sorted_names(&found)
                    )))
                }
                Some(shape) if shape != expected => {
                    return Err(weights_error(format!(
                        "tensor `{name}` has shape {shape:?}, expected {expected:?}; the file was saved for another architecture"
                    )))
                }
                Some(_) => {}
            }
        let view = file
            .tensor(name)
            .map_err(|err| weights_error(format!("reading tensor `{name}` failed: {err:?}")))?;
        if view.dtype() != ::safetensors::Dtype::F32 {
            return Err(weights_error(format!(
                "tensor `{name}` has dtype {:?}, expected F32",
                view.dtype()
            )));
        }
    }
    Ok(())
}

/// A network that [`crate::train::train`], [`crate::evaluate::evaluate`] and
/// [`crate::predict::predict`] can use: images in as flattened `[batch, 784]` `f32`
/// pixels in [0, 1], logits `[batch, 10]` out. [`Model`] (the tutorial's dense network)
/// and [`crate::cnn::Cnn`] (a convolutional network) implement it.
pub trait Classifier: Send {
    /// The dfdx module holding every trainable tensor.
    type Net: TensorCollection<f32, Cpu, To<f32, Cpu> = Self::Net> + Clone;

    /// Threads for dfdx's matrix products during training; 0 keeps rayon's default (one
    /// per core). Small products run faster on one thread, because handing them to other
    /// threads costs more than it saves.
    const TRAINING_THREADS: usize = 0;

    /// The trainable tensors.
    fn net(&self) -> &Self::Net;
    /// The trainable tensors, for the optimizer.
    fn net_mut(&mut self) -> &mut Self::Net;
    /// The device the tensors live on.
    fn device(&self) -> &Cpu;
    /// Rebuilds every tensor with the same values and a new tensor id, see
    /// [`Model::refresh_tensor_ids`].
    fn refresh_tensor_ids(&mut self);
    /// Runs the network on `pixels`, row-major `[batch, 784]` in [0, 1], recording the
    /// operations on a tape that starts from `grads` so that `backward` can reuse them.
    fn forward_traced(
        &self,
        pixels: Vec<f32>,
        batch: usize,
        grads: Gradients<f32, Cpu>,
    ) -> Tensor<(usize, Const<NUM_CLASSES>), f32, Cpu, OwnedTape<f32, Cpu>>;
    /// Runs the network on `pixels`, row-major `[batch, 784]` in [0, 1], without a tape,
    /// and returns the logits row-major `[batch, 10]`.
    fn forward_batch(&self, pixels: Vec<f32>, batch: usize) -> Vec<f32>;
    /// Names and shapes of the tensors that [`Classifier::save_weights`] writes.
    fn tensor_shapes(&self) -> Vec<(String, Vec<usize>)>;

    /// Saves the weights as safetensors at `path`, creating the parent folder. The file
    /// is written under a temporary name and then renamed, so readers never see it half
    /// written.
    fn save_weights(&self, path: &Path) -> Result<()> {
        crate::files::write_then_rename(path, |partial| {
            self.net()
                .save_safetensors(partial)
                .map_err(|err| Error::Weights {
                    path: path.to_path_buf(),
                    message: format!("writing the weights failed: {err}"),
                })
        })
    }

    /// Replaces the weights with those saved at `path` by [`Classifier::save_weights`].
    ///
    /// Every tensor's name, dtype and shape are checked before anything is copied, so
    /// on any error the model keeps its current weights.
    ///
    /// # Errors
    /// [`Error::Io`] for a missing file, [`Error::Weights`] for a file that is not
    /// safetensors, is truncated, or holds tensors of another architecture (naming the
    /// tensor with the expected and found shape).
    fn load_weights(&mut self, path: &Path) -> Result<()> {
        let bytes = std::fs::read(path).map_err(|source| Error::io("reading", path, source))?;
        check_tensors(path, &bytes, &self.tensor_shapes())?;
        let mut loaded = self.net().clone();
        loaded
            .load_safetensors(path)
            .map_err(|err| Error::Weights {
                path: path.to_path_buf(),
                message: format!("loading the weights failed: {err:?}"),
            })?;
        *self.net_mut() = loaded;
        Ok(())
    }
}

impl Classifier for Model {
    // Measured with `cargo bench --bench train` on 2 cores: 1.15 s per epoch with
    // rayon's default pool, 0.77 s with one thread.
    const TRAINING_THREADS: usize = 1;

    type Net = Mlp;

    fn net(&self) -> &Mlp {
        &self.net
    }

    fn net_mut(&mut self) -> &mut Mlp {
        &mut self.net
    }

    fn device(&self) -> &Cpu {
        &self.device
    }

    fn refresh_tensor_ids(&mut self) {
        Model::refresh_tensor_ids(self);
    }

    fn forward_traced(
        &self,
        pixels: Vec<f32>,
        batch: usize,
        grads: Gradients<f32, Cpu>,
    ) -> Tensor<(usize, Const<NUM_CLASSES>), f32, Cpu, OwnedTape<f32, Cpu>> {
        let x = self
            .device
            .tensor_from_vec(pixels, (batch, Const::<PIXELS>));
        self.net.forward(x.traced(grads))
    }

    fn forward_batch(&self, pixels: Vec<f32>, batch: usize) -> Vec<f32> {
        let x = self
            .device
            .tensor_from_vec(pixels, (batch, Const::<PIXELS>));
        self.net.forward(x).as_vec()
    }

    fn tensor_shapes(&self) -> Vec<(String, Vec<usize>)> {
        expected_tensors()
    }
}

/// Computes the logits `[n, 10]` of scaled images `[n, 28, 28]` `f32` in [0, 1], in
/// batches of [`INFERENCE_BATCH`] images.
///
/// # Errors
/// [`Error::Shape`] for images that are not 28x28, [`Error::NotScaled`] for values
/// outside [0, 1].
pub fn compute_logits<M: Classifier>(model: &M, images: ArrayView3<f32>) -> Result<Array2<f32>> {
    check_image_shape("images", images.shape())?;
    crate::preprocess::check_scaled("images", &images)?;
    let count = images.shape()[0];
    let mut logits = Vec::with_capacity(count * NUM_CLASSES);
    let images = images.as_standard_layout();
    let flat = images.as_slice().unwrap_or_default();
    for start in (0..count).step_by(INFERENCE_BATCH) {
        let end = (start + INFERENCE_BATCH).min(count);
        let batch = flat[start * PIXELS..end * PIXELS].to_vec();
        logits.extend(model.forward_batch(batch, end - start));
    }
    Array2::from_shape_vec((count, NUM_CLASSES), logits).map_err(|err| Error::Shape {
        what: "logits".into(),
        expected: format!("[{count}, {NUM_CLASSES}]"),
        found: err.to_string(),
    })
}

/// Tensor names and shapes that dfdx writes for [`Mlp`]: tuple index, then field.
fn expected_tensors() -> Vec<(String, Vec<usize>)> {
    vec![
        ("0.weight".into(), vec![HIDDEN_UNITS, PIXELS]),
        ("0.bias".into(), vec![HIDDEN_UNITS]),
        ("2.weight".into(), vec![NUM_CLASSES, HIDDEN_UNITS]),
        ("2.bias".into(), vec![NUM_CLASSES]),
    ]
}

fn sorted_names(found: &HashMap<String, Vec<usize>>) -> String {
    let mut names: Vec<&str> = found.keys().map(String::as_str).collect();
    names.sort_unstable();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Checks that `shape` is `[n, 28, 28]`.
pub fn check_image_shape(what: &str, shape: &[usize]) -> Result<()> {
    if shape.len() != 3 || shape[1] != IMAGE_SIDE || shape[2] != IMAGE_SIDE {
        return Err(Error::Shape {
            what: what.to_string(),
            expected: format!("[n, {IMAGE_SIDE}, {IMAGE_SIDE}]"),
            found: format!("{shape:?}"),
        });
    }
    Ok(())
}

/// Default location of the trained weights: `data/model.safetensors`.
pub fn default_weights_path() -> PathBuf {
    crate::data::generated_dir().join("model.safetensors")
}
