//! A convolutional network, the second model option: Conv2D 3x3 with 32 filters and
//! ReLU, max pooling 2x2, dropout 0.25, Dense 128 with ReLU, dropout 0.5, Dense 10
//! returning logits. Dropout is applied only in training.
//!
//! dfdx 0.13 compiles its convolution and pooling operations only with its `nightly`
//! feature (`#[cfg(feature = "nightly")] mod conv2d;` in `src/tensor_ops/mod.rs`), so
//! this network builds the convolution from operations that build on stable Rust. The
//! 3x3 patches of the input images are copied into rows (im2col) before the tensor is
//! made, because the input needs no gradient. The convolution is then one matrix
//! product of the patches with the `[9, 32]` filters. The patch rows are ordered so
//! that the four positions of each 2x2 pooling window lie in four separate blocks, and
//! max pooling becomes a maximum over one axis.

use std::path::Path;

use dfdx::prelude::*;
use ndarray::{Array2, ArrayView3};

use crate::data::{IMAGE_SIDE, NUM_CLASSES};
use crate::error::Result;
use crate::model::{compute_logits, Classifier, LayerInfo, PIXELS};

/// Side of the square convolution kernel.
pub const KERNEL_SIDE: usize = 3;
/// Values in one kernel window: 3 x 3.
pub const KERNEL_PIXELS: usize = KERNEL_SIDE * KERNEL_SIDE;
/// Filters (output channels) of the convolution.
pub const FILTERS: usize = 32;
/// Side of the convolution's output without padding: 28 - 3 + 1 = 26.
pub const CONV_SIDE: usize = IMAGE_SIDE - KERNEL_SIDE + 1;
/// Side of the pooling window and its stride.
pub const POOL_SIDE: usize = 2;
/// Side of the pooled feature maps: 26 / 2 = 13.
pub const POOLED_SIDE: usize = CONV_SIDE / POOL_SIDE;
/// Positions in one pooled feature map: 13 x 13.
pub const POOLED_POSITIONS: usize = POOLED_SIDE * POOLED_SIDE;
/// Positions in one 2x2 pooling window.
pub const POOL_WINDOW: usize = POOL_SIDE * POOL_SIDE;
/// Convolution outputs per image and filter: 26 x 26.
pub const CONV_POSITIONS: usize = POOL_WINDOW * POOLED_POSITIONS;
/// Features after pooling, flattened: 13 x 13 x 32 = 5,408.
pub const POOLED_FEATURES: usize = POOLED_POSITIONS * FILTERS;
/// Units of the hidden dense layer.
pub const CNN_HIDDEN_UNITS: usize = 128;
/// Fraction of the pooled features that dropout zeroes in each training step.
pub const FEATURE_DROPOUT: f64 = 0.25;
/// Fraction of the hidden units that dropout zeroes in each training step.
pub const HIDDEN_DROPOUT: f64 = 0.5;
/// Images per forward pass of the convolutional network when evaluating or predicting,
/// which keeps the im2col copy and the convolution output near 100 MB.
pub const CNN_INFERENCE_BATCH: usize = 250;

/// The trainable layers as dfdx builders. The convolution is a dense layer applied to
/// each 3x3 patch: `[patches, 9]` in, `[patches, 32]` out.
pub type CnnArchitecture = (
    builders::Linear<KERNEL_PIXELS, FILTERS>,
    builders::Linear<POOLED_FEATURES, CNN_HIDDEN_UNITS>,
    builders::Linear<CNN_HIDDEN_UNITS, NUM_CLASSES>,
);

/// The built layers on the CPU with `f32` weights.
pub type CnnNet = <CnnArchitecture as BuildOnDevice<Cpu, f32>>::Built;

/// The convolutional classifier: the dfdx layers and the device they live on.
#[derive(Debug, Clone)]
pub struct Cnn {
    pub net: CnnNet,
    pub device: Cpu,
}

impl Cnn {
    /// Builds the network with weights initialised from `seed` (the same seed gives the
    /// same weights), from dfdx's uniform initialisation in ±1/sqrt(inputs).
    pub fn new(seed: u64) -> Self {
        let device = Cpu::seed_from_u64(seed);
        let net = device.build_module::<CnnArchitecture, f32>();
        Cnn { net, device }
    }

    /// The layers with their output shapes and parameter counts, as Keras's
    /// `model.summary()` shows them.
    pub fn layers(&self) -> Vec<LayerInfo> {
        let parameters = |weights: usize, biases: usize| weights + biases;
        vec![
            LayerInfo {
                name: "conv2d (Conv2D 3x3, ReLU)".into(),
                output_shape: format!("(None, {CONV_SIDE}, {CONV_SIDE}, {FILTERS})"),
                parameters: parameters(
                    self.net.0.weight.shape().num_elements(),
                    self.net.0.bias.shape().num_elements(),
                ),
            },
            LayerInfo {
                name: "max_pooling2d (MaxPooling2D 2x2)".into(),
                output_shape: format!("(None, {POOLED_SIDE}, {POOLED_SIDE}, {FILTERS})"),
                parameters: 0,
            },
            LayerInfo {
                name: format!("dropout (Dropout {FEATURE_DROPOUT})"),
                output_shape: format!("(None, {POOLED_SIDE}, {POOLED_SIDE}, {FILTERS})"),
                parameters: 0,
            },
            LayerInfo {
                name: "flatten (Flatten)".into(),
                output_shape: format!("(None, {POOLED_FEATURES})"),
                parameters: 0,
            },
            LayerInfo {
                name: "dense (Dense, ReLU)".into(),
                output_shape: format!("(None, {CNN_HIDDEN_UNITS})"),
                parameters: parameters(
                    self.net.1.weight.shape().num_elements(),
                    self.net.1.bias.shape().num_elements(),
                ),
            },
            LayerInfo {
                name: format!("dropout_1 (Dropout {HIDDEN_DROPOUT})"),
                output_shape: format!("(None, {CNN_HIDDEN_UNITS})"),
                parameters: 0,
            },
            LayerInfo {
                name: "dense_1 (Dense, logits)".into(),
                output_shape: format!("(None, {NUM_CLASSES})"),
                parameters: parameters(
                    self.net.2.weight.shape().num_elements(),
                    self.net.2.bias.shape().num_elements(),
                ),
            },
        ]
    }

    /// Total number of trainable parameters (693,962).
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

    /// Replaces the weights with those saved at `path` by [`Cnn::save`]; on any error
    /// the model keeps its current weights (see [`Classifier::load_weights`]).
    pub fn load(&mut self, path: impl AsRef<Path>) -> Result<()> {
        self.load_weights(path.as_ref())
    }

    /// Loads a model saved at `path` (see [`Cnn::load`]).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let mut model = Cnn::new(0);
        model.load(path)?;
        Ok(model)
    }

    /// Pooled features `[batch, 5408]` from the im2col rows of [`im2col`], with the tape
    /// of `patches`.
    fn features<T: Tape<f32, Cpu>>(
        &self,
        patches: Tensor<(usize, Const<KERNEL_PIXELS>), f32, Cpu, T>,
        batch: usize,
    ) -> Tensor<(usize, Const<POOLED_FEATURES>), f32, Cpu, T> {
        // [batch * 676, 9] -> [batch * 676, 32], rows in im2col order.
        let convolved = self.net.0.forward(patches);
        let windows = convolved.reshape_like(&(
            batch,
            Const::<POOL_WINDOW>,
            Const::<POOLED_POSITIONS>,
            Const::<FILTERS>,
        ));
        // The maximum over the four positions of each pooling window, then ReLU
        // (the two commute, and ReLU on the pooled values touches 4 times fewer).
        let pooled = windows
            .max::<(usize, Const<POOLED_POSITIONS>, Const<FILTERS>), Axis<1>>()
            .relu();
        pooled.reshape_like(&(batch, Const::<POOLED_FEATURES>))
    }

    /// Logits `[batch, 10]` of pooled features `[batch, 5408]`, with dropout when
    /// `training`. dfdx's dropout scales the kept values by `1 / (1 - p)`, so inference
    /// needs no rescaling; its random numbers come from the device, seeded by
    /// [`Cnn::new`].
    fn classify<T: Tape<f32, Cpu>>(
        &self,
        features: Tensor<(usize, Const<POOLED_FEATURES>), f32, Cpu, T>,
        training: bool,
    ) -> Tensor<(usize, Const<NUM_CLASSES>), f32, Cpu, T> {
        if training {
            let hidden = self.net.1.forward(features.dropout(FEATURE_DROPOUT)).relu();
            self.net.2.forward(hidden.dropout(HIDDEN_DROPOUT))
        } else {
            let hidden = self.net.1.forward(features).relu();
            self.net.2.forward(hidden)
        }
    }
}

/// Copies the 3x3 patches of `pixels`, row-major `[batch, 784]`, into rows of 9 values
/// `[batch * 676, 9]`. Within an image, row `k * 169 + p` is the patch at position `k`
/// (0..4, row-major) of the 2x2 pooling window number `p` (0..169, row-major).
pub fn im2col(pixels: &[f32], batch: usize) -> Vec<f32> {
    let mut patches = Vec::with_capacity(batch * CONV_POSITIONS * KERNEL_PIXELS);
    for image in pixels.chunks_exact(PIXELS).take(batch) {
        for window_row in 0..POOL_SIDE {
            for window_col in 0..POOL_SIDE {
                for pooled_row in 0..POOLED_SIDE {
                    for pooled_col in 0..POOLED_SIDE {
                        let top = pooled_row * POOL_SIDE + window_row;
                        let left = pooled_col * POOL_SIDE + window_col;
                        for kernel_row in 0..KERNEL_SIDE {
                            let start = (top + kernel_row) * IMAGE_SIDE + left;
                            patches.extend_from_slice(&image[start..start + KERNEL_SIDE]);
                        }
                    }
                }
            }
        }
    }
    patches
}

impl Classifier for Cnn {
    type Net = CnnNet;

    fn net(&self) -> &CnnNet {
        &self.net
    }

    fn net_mut(&mut self) -> &mut CnnNet {
        &mut self.net
    }

    fn device(&self) -> &Cpu {
        &self.device
    }

    /// See [`crate::model::Model::refresh_tensor_ids`] for why training needs this.
    fn refresh_tensor_ids(&mut self) {
        let mut fresh = self.device.build_module::<CnnArchitecture, f32>();
        fresh.0.weight.copy_from(&self.net.0.weight.as_vec());
        fresh.0.bias.copy_from(&self.net.0.bias.as_vec());
        fresh.1.weight.copy_from(&self.net.1.weight.as_vec());
        fresh.1.bias.copy_from(&self.net.1.bias.as_vec());
        fresh.2.weight.copy_from(&self.net.2.weight.as_vec());
        fresh.2.bias.copy_from(&self.net.2.bias.as_vec());
        self.net = fresh;
    }

    fn forward_traced(
        &self,
        pixels: Vec<f32>,
        batch: usize,
        grads: Gradients<f32, Cpu>,
    ) -> Tensor<(usize, Const<NUM_CLASSES>), f32, Cpu, OwnedTape<f32, Cpu>> {
        let patches = self.device.tensor_from_vec(
            im2col(&pixels, batch),
            (batch * CONV_POSITIONS, Const::<KERNEL_PIXELS>),
        );
        let features = self.features(patches.traced(grads), batch);
        self.classify(features, true)
    }

    fn forward_batch(&self, pixels: Vec<f32>, batch: usize) -> Vec<f32> {
        let mut logits = Vec::with_capacity(batch * NUM_CLASSES);
        for chunk in pixels.chunks(CNN_INFERENCE_BATCH * PIXELS) {
            let size = chunk.len() / PIXELS;
            let patches = self.device.tensor_from_vec(
                im2col(chunk, size),
                (size * CONV_POSITIONS, Const::<KERNEL_PIXELS>),
            );
            let features = self.features(patches, size);
            logits.extend(self.classify(features, false).as_vec());
        }
        logits
    }

    fn tensor_shapes(&self) -> Vec<(String, Vec<usize>)> {
        expected_tensors()
    }
}

/// Tensor names and shapes that dfdx writes for [`CnnNet`]: tuple index, then field.
fn expected_tensors() -> Vec<(String, Vec<usize>)> {
    vec![
        ("0.weight".into(), vec![FILTERS, KERNEL_PIXELS]),
        ("0.bias".into(), vec![FILTERS]),
        ("1.weight".into(), vec![CNN_HIDDEN_UNITS, POOLED_FEATURES]),
        ("1.bias".into(), vec![CNN_HIDDEN_UNITS]),
        ("2.weight".into(), vec![NUM_CLASSES, CNN_HIDDEN_UNITS]),
        ("2.bias".into(), vec![NUM_CLASSES]),
    ]
}
