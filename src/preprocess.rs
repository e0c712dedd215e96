//! Preprocessing: scaling pixels to [0, 1] and saving arrays as `.npy` and `.npz`.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use ndarray::{Array, Array1, Array3, ArrayBase, ArrayD, Data, Dimension, IxDyn};
use ndarray_npy::{ReadNpyError, ReadNpyExt, ReadNpzError, ReadableElement, WritableElement};

use crate::data::{generated_dir, Dataset};
use crate::error::{Error, Result};
use crate::files::write_then_rename;

/// Largest raw pixel value; dividing by it maps 0..=255 onto [0, 1].
pub const MAX_PIXEL: f32 = 255.0;

/// File names of the scaled arrays under `data/`, as written by [`save_scaled`].
pub const TRAIN_IMAGES_NPY: &str = "train_images_scaled.npy";
pub const TEST_IMAGES_NPY: &str = "test_images_scaled.npy";
pub const TRAIN_LABELS_NPY: &str = "train_labels.npy";
pub const TEST_LABELS_NPY: &str = "test_labels.npy";

/// Scales `u8` pixels 0..=255 to `f32` in [0, 1] by dividing by 255. The shape is kept.
pub fn scale_images<D: Dimension>(images: &Array<u8, D>) -> Array<f32, D> {
    images.mapv(|pixel| f32::from(pixel) / MAX_PIXEL)
}

/// Minimum and maximum of an array of pixels, or `None` when it is empty.
/// NaN values are skipped.
pub fn pixel_range<S, D, T>(pixels: &ArrayBase<S, D>) -> Option<(f32, f32)>
where
    S: Data<Elem = T>,
    D: Dimension,
    T: Copy + Into<f32>,
{
    pixels
        .iter()
        .map(|&value| value.into())
        .filter(|value: &f32| !value.is_nan())
        .fold(None, |range, value| match range {
            None => Some((value, value)),
            Some((min, max)) => Some((min.min(value), max.max(value))),
        })
}

/// Checks that `images` are scaled: every value finite and in [0, 1].
///
/// # Errors
/// [`Error::NotScaled`] with the largest value found, naming `what`.
pub fn check_scaled<S, D>(what: &str, images: &ArrayBase<S, D>) -> Result<()>
where
    S: Data<Elem = f32>,
    D: Dimension,
{
    if let Some(values) = images.as_slice_memory_order() {
        if all_in_unit_range(values) {
            return Ok(());
        }
    }
    let mut max = 0.0f32;
    let mut bad = false;
    for &value in images.iter() {
        if !(0.0..=1.0).contains(&value) {
            bad = true;
            if value.is_nan() || value > max || value < 0.0 {
                max = if value.is_nan() { f32::NAN } else { value };
                if value.is_nan() {
                    break;
                }
            }
        }
    }
    if bad {
        return Err(Error::NotScaled {
            what: what.to_string(),
            max,
        });
    }
    Ok(())
}

/// First bytes of every `.npy` file: `\x93NUMPY`, then the major and minor format version.
const NPY_MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Bytes read to find the header on the fast path. numpy pads the preamble and header to
/// a multiple of 64 bytes, usually 128 in all; a longer header goes to the general reader.
const NPY_FAST_HEADER_BYTES: usize = 4096;

/// Element types that [`load_npy`] and [`load_npz`] return: `u8` (pixels, labels), `i64`
/// (labels as numpy stores them by default) and `f32` (scaled pixels).
///
/// Arrays of another dtype are converted when every value fits: any integer dtype to
/// `u8` or `i64`, and `float64` to `f32` (rounded to the nearest `f32`).
pub trait NpyElement:
    ReadableElement + WritableElement + bytemuck::Pod + Send + Sync + 'static
{
    /// numpy's name of the dtype: `uint8`, `int64`, `float32`.
    const DTYPE: &'static str;

    /// Converts an array of another dtype, read from a file.
    #[doc(hidden)]
    fn convert(found: FoundArray) -> std::result::Result<ArrayD<Self>, Conversion>;
}

/// An array read with the dtype stored in its file.
#[doc(hidden)]
pub enum FoundArray {
    U8(ArrayD<u8>),
    I8(ArrayD<i8>),
    U16(ArrayD<u16>),
    I16(ArrayD<i16>),
    U32(ArrayD<u32>),
    I32(ArrayD<i32>),
    U64(ArrayD<u64>),
    I64(ArrayD<i64>),
    F32(ArrayD<f32>),
    F64(ArrayD<f64>),
}

/// Reason a [`FoundArray`] could not be converted.
#[doc(hidden)]
pub enum Conversion {
    /// The dtype cannot be converted at all (a float array to an integer type).
    Dtype,
    /// The value at this C-order index does not fit.
    Value { index: usize, value: String },
}

/// Converts every element with `convert`, stopping at the first that does not fit.
/// The index reported is the element's position in C order whatever the memory layout.
fn convert_each<S, T>(
    array: ArrayD<S>,
    convert: impl Fn(S) -> Option<T>,
) -> std::result::Result<ArrayD<T>, Conversion>
where
    S: Copy + std::fmt::Display,
{
    let mut values = Vec::with_capacity(array.len());
    for (index, &value) in array.iter().enumerate() {
        match convert(value) {
            Some(converted) => values.push(converted),
            None => {
                return Err(Conversion::Value {
                    index,
                    value: value.to_string(),
                })
            }
        }
    }
    // `iter` visits elements in C order, so the values fit the shape in C order.
    ArrayD::from_shape_vec(array.raw_dim(), values).map_err(|_| Conversion::Dtype)
}

/// Converts any integer array with `TryFrom`, and rejects float arrays.
fn convert_integers<T>(found: FoundArray) -> std::result::Result<ArrayD<T>, Conversion>
where
    T: TryFrom<u8>
        + TryFrom<i8>
        + TryFrom<u16>
        + TryFrom<i16>
        + TryFrom<u32>
        + TryFrom<i32>
        + TryFrom<u64>
        + TryFrom<i64>,
{
    match found {
        FoundArray::U8(array) => convert_each(array, |value| T::try_from(value).ok()),
        FoundArray::I8(array) => convert_each(array, |value| T::try_from(value).ok()),
        FoundArray::U16(array) => convert_each(array, |value| T::try_from(value).ok()),
        FoundArray::I16(array) => convert_each(array, |value| T::try_from(value).ok()),
        FoundArray::U32(array) => convert_each(array, |value| T::try_from(value).ok()),
        FoundArray::I32(array) => convert_each(array, |value| T::try_from(value).ok()),
        FoundArray::U64(array) => convert_each(array, |value| T::try_from(value).ok()),
        FoundArray::I64(array) => convert_each(array, |value| T::try_from(value).ok()),
        FoundArray::F32(_) | FoundArray::F64(_) => Err(Conversion::Dtype),
    }
}

impl NpyElement for u8 {
    const DTYPE: &'static str = "uint8";

    fn convert(found: FoundArray) -> std::result::Result<ArrayD<Self>, Conversion> {
        convert_integers(found)
    }
}

impl NpyElement for i64 {
    const DTYPE: &'static str = "int64";

    fn convert(found: FoundArray) -> std::result::Result<ArrayD<Self>, Conversion> {
        convert_integers(found)
    }
}

impl NpyElement for f32 {
    const DTYPE: &'static str = "float32";

    fn convert(found: FoundArray) -> std::result::Result<ArrayD<Self>, Conversion> {
        match found {
            FoundArray::F32(array) => Ok(array),
            // `x / 255.0` in numpy gives float64. A finite value beyond the f32 range
            // would become infinite, so it is rejected instead.
            FoundArray::F64(array) => convert_each(array, |value| {
                let converted = value as f32;
                (converted.is_finite() || !value.is_finite()).then_some(converted)
            }),
            _ => Err(Conversion::Dtype),
        }
    }
}

/// Reads a `.npy` file held in memory as an array of `T` through ndarray-npy, which
/// handles either byte order and Fortran order.
fn read_npy_bytes<T: ReadableElement>(
    path: &Path,
    bytes: &[u8],
) -> std::result::Result<ArrayD<T>, SourceError> {
    check_npy_data_length(path, bytes).map_err(SourceError::Other)?;
    ArrayD::<T>::read_npy(bytes).map_err(|source| match source {
        ReadNpyError::WrongDescriptor(descriptor) => {
            SourceError::Descriptor(descriptor.to_string().trim_matches('\'').to_string())
        }
        source => SourceError::Other(Error::ReadNpy {
            path: path.to_path_buf(),
            source,
        }),
    })
}

enum SourceError {
    /// The stored dtype differs from the requested one. The value is the descriptor
    /// found, as numpy writes it (`<i8`, `|u1`, `>f4`).
    Descriptor(String),
    Other(Error),
}

/// Rejects a header whose shape has more elements than the data has bytes, before
/// ndarray-npy allocates an array of that shape.
fn check_npy_data_length(path: &Path, bytes: &[u8]) -> Result<()> {
    let Some((header, data_start)) = split_npy_header(bytes) else {
        // ndarray-npy reports the invalid header.
        return Ok(());
    };
    let count = header
        .shape
        .iter()
        .try_fold(1usize, |count, &dim| count.checked_mul(dim));
    match count {
        Some(count) if count <= bytes.len() - data_start => Ok(()),
        _ => Err(Error::ReadNpy {
            path: path.to_path_buf(),
            source: ReadNpyError::MissingData,
        }),
    }
}

/// Parses the preamble and header of a `.npy` file, returning the header and the offset
/// of the data. `None` when they are not what numpy writes.
fn split_npy_header(bytes: &[u8]) -> Option<(NpyHeader, usize)> {
    if bytes.get(..6)? != NPY_MAGIC {
        return None;
    }
    // Version 1 stores the header length in 2 bytes, versions 2 and 3 in 4 bytes.
    let (header_len, length_field) = match bytes.get(6)? {
        1 => (
            u16::from_le_bytes(bytes.get(8..10)?.try_into().ok()?) as usize,
            2,
        ),
        2 | 3 => (
            u32::from_le_bytes(bytes.get(8..12)?.try_into().ok()?) as usize,
            4,
        ),
        _ => return None,
    };
    let data_start = (8usize + length_field).checked_add(header_len)?;
    let text = std::str::from_utf8(bytes.get(8 + length_field..data_start)?).ok()?;
    Some((parse_npy_header(text)?, data_start))
}

/// Reads the member `name` (without `.npy`) of the `.npz` archive at `path` into memory.
fn read_npz_member(path: &Path, name: &str) -> Result<Vec<u8>> {
    let zip_error = |source| Error::ReadNpz {
        path: path.to_path_buf(),
        source: ReadNpzError::Zip(source),
    };
    let file = File::open(path).map_err(|source| Error::io("opening", path, source))?;
    let mut archive = zip::ZipArchive::new(file).map_err(zip_error)?;
    let available = npz_member_names(&archive);
    let Some(member) = archive
        .file_names()
        .find(|member| member.strip_suffix(".npy").unwrap_or(member) == name)
        .map(str::to_string)
    else {
        return Err(Error::NpzMemberNotFound {
            path: path.to_path_buf(),
            name: name.to_string(),
            available,
        });
    };
    let mut entry = archive.by_name(&member).map_err(zip_error)?;
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|source| Error::io("decompressing", path, source))?;
    Ok(bytes)
}

/// Member names of an archive as numpy shows them: without the `.npy` suffix, sorted.
fn npz_member_names<R: Read + std::io::Seek>(archive: &zip::ZipArchive<R>) -> Vec<String> {
    let mut names: Vec<String> = archive
        .file_names()
        .map(|member| member.strip_suffix(".npy").unwrap_or(member).to_string())
        .collect();
    names.sort();
    names
}

/// numpy's dtype name for a descriptor such as `<i8`, or the descriptor itself when it
/// is not a plain number type.
fn dtype_name(descriptor: &str) -> String {
    let code = descriptor.trim_start_matches(['<', '>', '|', '=']);
    let name = match code {
        "u1" => "uint8",
        "i1" => "int8",
        "u2" => "uint16",
        "i2" => "int16",
        "u4" => "uint32",
        "i4" => "int32",
        "u8" => "uint64",
        "i8" => "int64",
        "f4" => "float32",
        "f8" => "float64",
        "b1" => "bool",
        _ => return descriptor.to_string(),
    };
    if descriptor.starts_with('>') {
        format!("{name} (big-endian)")
    } else {
        name.to_string()
    }
}

/// Reads the `.npy` file in `bytes` as `T`, converting from the stored dtype when needed.
fn read_converted<T: NpyElement>(path: &Path, bytes: &[u8]) -> Result<ArrayD<T>> {
    let descriptor = match read_npy_bytes::<T>(path, bytes) {
        Ok(array) => return Ok(array),
        Err(SourceError::Other(error)) => return Err(error),
        Err(SourceError::Descriptor(descriptor)) => descriptor,
    };
    let dtype_error = || Error::NpyDtype {
        path: path.to_path_buf(),
        found: dtype_name(&descriptor),
        expected: T::DTYPE,
    };
    fn read_as<T: ReadableElement>(
        (path, bytes): (&Path, &[u8]),
        dtype_error: &dyn Fn() -> Error,
    ) -> Result<ArrayD<T>> {
        match read_npy_bytes(path, bytes) {
            Ok(array) => Ok(array),
            Err(SourceError::Other(error)) => Err(error),
            Err(SourceError::Descriptor(_)) => Err(dtype_error()),
        }
    }
    let code = descriptor.trim_start_matches(['<', '>', '|', '=']);
    let found = match code {
        "u1" => FoundArray::U8(read_as((path, bytes), &dtype_error)?),
        "i1" => FoundArray::I8(read_as((path, bytes), &dtype_error)?),
        "u2" => FoundArray::U16(read_as((path, bytes), &dtype_error)?),
        "i2" => FoundArray::I16(read_as((path, bytes), &dtype_error)?),
        "u4" => FoundArray::U32(read_as((path, bytes), &dtype_error)?),
        "i4" => FoundArray::I32(read_as((path, bytes), &dtype_error)?),
        "u8" => FoundArray::U64(read_as((path, bytes), &dtype_error)?),
        "i8" => FoundArray::I64(read_as((path, bytes), &dtype_error)?),
        "f4" => FoundArray::F32(read_as((path, bytes), &dtype_error)?),
        "f8" => FoundArray::F64(read_as((path, bytes), &dtype_error)?),
        _ => return Err(dtype_error()),
    };
    T::convert(found).map_err(|conversion| match conversion {
        Conversion::Dtype => dtype_error(),
        Conversion::Value { index, value } => Error::NpyValueOutOfRange {
            path: path.to_path_buf(),
            index,
            value,
            found: dtype_name(&descriptor),
            expected: T::DTYPE,
        },
    })
}

/// Gives `array` the dimension type `D` and C order (an array read in Fortran order
/// keeps its values and gets copied into C order).
fn into_standard<T: Clone, D: Dimension>(path: &Path, array: ArrayD<T>) -> Result<Array<T, D>> {
    let found_shape = array.shape().to_vec();
    let array = array.into_dimensionality::<D>().map_err(|_| Error::Shape {
        what: format!("array in {}", path.display()),
        expected: format!("{} dimensions", D::NDIM.unwrap_or(found_shape.len())),
        found: format!("shape {}", crate::data::numpy_shape(&found_shape)),
    })?;
    if array.is_standard_layout() {
        Ok(array)
    } else {
        Ok(array.as_standard_layout().into_owned())
    }
}

/// The fields of a `.npy` header that decide whether the fast path applies.
struct NpyHeader {
    descriptor: String,
    fortran_order: bool,
    shape: Vec<usize>,
}

/// Parses the header dictionary numpy writes, such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), }`.
/// Returns `None` for anything unusual, which then goes through ndarray-npy's parser.
fn parse_npy_header(text: &str) -> Option<NpyHeader> {
    let value_after = |key: &str| -> Option<&str> {
        let start = text.find(key)? + key.len();
        Some(text[start..].trim_start().strip_prefix(':')?.trim_start())
    };
    let descriptor_text = value_after("'descr'")?.strip_prefix('\'')?;
    let descriptor = descriptor_text[..descriptor_text.find('\'')?].to_string();
    let fortran_text = value_after("'fortran_order'")?;
    let fortran_order = if fortran_text.starts_with("False") {
        false
    } else if fortran_text.starts_with("True") {
        true
    } else {
        return None;
    };
    let shape_text = value_after("'shape'")?.strip_prefix('(')?;
    let shape_text = &shape_text[..shape_text.find(')')?];
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|dim| !dim.is_empty())
        .map(|dim| dim.parse::<usize>().ok())
        .collect::<Option<Vec<usize>>>()?;
    Some(NpyHeader {
        descriptor,
        fortran_order,
        shape,
    })
}

/// Reads a little-endian, C-order `.npy` file whose dtype is exactly `T` by copying the
/// data bytes straight into the array's buffer. Returns `Ok(None)` when the file needs
/// the general reader: another dtype or byte order, Fortran order, an unusual header, or
/// a data length that differs from the header (the general reader reports that error).
fn read_npy_fast<T: NpyElement>(path: &Path) -> Result<Option<ArrayD<T>>> {
    if cfg!(target_endian = "big") {
        return Ok(None);
    }
    let io_error = |source| Error::io("reading", path, source);
    let mut file = File::open(path).map_err(|source| Error::io("opening", path, source))?;
    let file_len = file.metadata().map_err(io_error)?.len();

    let mut start = Vec::with_capacity(NPY_FAST_HEADER_BYTES);
    (&mut file)
        .take(NPY_FAST_HEADER_BYTES as u64)
        .read_to_end(&mut start)
        .map_err(io_error)?;
    let Some((header, data_start)) = split_npy_header(&start) else {
        return Ok(None);
    };

    let item_size = std::mem::size_of::<T>();
    let code = native_code::<T>();
    let descriptor_matches = header.descriptor == format!("<{code}")
        || (item_size == 1 && header.descriptor == format!("|{code}"));
    if !descriptor_matches || header.fortran_order {
        return Ok(None);
    }

    // The length is compared with the file before allocating, so a header that promises
    // more data than the file contains never allocates.
    let data_len = header
        .shape
        .iter()
        .try_fold(item_size, |len, &dim| len.checked_mul(dim));
    let Some(data_len) = data_len else {
        return Ok(None);
    };
    if (data_start as u64).checked_add(data_len as u64) != Some(file_len) {
        return Ok(None);
    }

    file.seek(SeekFrom::Start(data_start as u64))
        .map_err(io_error)?;
    let mut values = vec![T::zeroed(); data_len / item_size];
    file.read_exact(bytemuck::cast_slice_mut(&mut values))
        .map_err(io_error)?;
    ArrayD::from_shape_vec(IxDyn(&header.shape), values)
        .map(Some)
        .map_err(|error| Error::Shape {
            what: format!("array in {}", path.display()),
            expected: format!("shape {}", crate::data::numpy_shape(&header.shape)),
            found: error.to_string(),
        })
}

/// numpy's type code of `T` without the byte-order character: `u1`, `i8`, `f4`.
fn native_code<T: NpyElement>() -> &'static str {
    match T::DTYPE {
        "uint8" => "u1",
        "int64" => "i8",
        "float32" => "f4",
        _ => "",
    }
}

/// Checks that every value is in [0, 1], where NaN is not. The comparisons are combined
/// with `&` and a chunk has no early exit, so the compiler vectorises the loop. The 47
/// million training pixels then take about 35 ms instead of 120 ms (release build, 2-core
/// machine).
fn all_in_unit_range(values: &[f32]) -> bool {
    values.chunks(4096).all(|chunk| {
        chunk.iter().fold(true, |in_range, &value| {
            in_range & (0.0..=1.0).contains(&value)
        })
    })
}

/// Writes `array` to a `.npy` file that numpy can load, creating the parent folder.
///
/// The data goes to a temporary file beside `path` first and is renamed to `path` when
/// complete, so an interrupted write never leaves a file under the final name.
pub fn save_npy<A, S, D>(path: impl AsRef<Path>, array: &ArrayBase<S, D>) -> Result<()>
where
    A: WritableElement,
    S: Data<Elem = A>,
    D: Dimension,
{
    let path = path.as_ref();
    write_then_rename(path, |partial| {
        ndarray_npy::write_npy(partial, array).map_err(|source| Error::WriteNpy {
            path: path.to_path_buf(),
            source,
        })
    })
}

/// Reads a `.npy` file written by [`save_npy`] or by numpy into an array of `A` in C
/// order.
///
/// Little-endian C-order files of dtype `A` are read straight into the array. Anything
/// else numpy writes is read through ndarray-npy: big-endian data, Fortran order (the
/// values come out equal to those of the C-order copy) and other dtypes, converted as
/// [`NpyElement`] describes.
///
/// # Errors
/// [`Error::ReadNpy`] for a file that is missing, not `.npy` or cut short;
/// [`Error::NpyDtype`] for a dtype that cannot become `A`; [`Error::NpyValueOutOfRange`]
/// for an integer that does not fit in `A`; [`Error::Shape`] when the number of
/// dimensions differs from `D`.
pub fn load_npy<A, D>(path: impl AsRef<Path>) -> Result<Array<A, D>>
where
    A: NpyElement,
    D: Dimension,
{
    let path = path.as_ref();
    if let Some(array) = read_npy_fast::<A>(path)? {
        return into_standard(path, array);
    }
    let bytes = std::fs::read(path).map_err(|source| Error::ReadNpy {
        path: path.to_path_buf(),
        source: ReadNpyError::Io(source),
    })?;
    let array = read_converted::<A>(path, &bytes)?;
    into_standard(path, array)
}

/// Reads the member `name` of an `.npz` archive (written by `numpy.savez`,
/// `numpy.savez_compressed` or [`save_dataset_npz`]) as an array of `A` in C order,
/// with the conversions of [`load_npy`]. `name` is the bare name numpy uses
/// (`x_train`); a trailing `.npy` is accepted too.
///
/// # Errors
/// [`Error::NpzMemberNotFound`] listing the available names, [`Error::ReadNpz`] for a
/// file that is not a valid archive, and the errors of [`load_npy`].
pub fn load_npz<A, D>(path: impl AsRef<Path>, name: &str) -> Result<Array<A, D>>
where
    A: NpyElement,
    D: Dimension,
{
    let path = path.as_ref();
    let name = name.strip_suffix(".npy").unwrap_or(name);
    let bytes = read_npz_member(path, name)?;
    let array = read_converted::<A>(path, &bytes)?;
    into_standard(path, array)
}

/// Names of the arrays in an `.npz` archive, without the `.npy` suffix, sorted.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened, [`Error::ReadNpz`] for an invalid archive.
pub fn npz_names(path: impl AsRef<Path>) -> Result<Vec<String>> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| Error::io("opening", path, source))?;
    let archive = zip::ZipArchive::new(file).map_err(|source| Error::ReadNpz {
        path: path.to_path_buf(),
        source: ReadNpzError::Zip(source),
    })?;
    Ok(npz_member_names(&archive))
}

/// Member names of the dataset arrays in an `.npz` archive, the names Keras uses in
/// `mnist.npz`: images `[n, rows, cols]` and labels `[n]`, both `uint8`.
pub const NPZ_NAMES: [&str; 4] = ["x_train", "y_train", "x_test", "y_test"];

/// Saves the four arrays of `dataset` as an uncompressed `.npz` archive with the members
/// of [`NPZ_NAMES`], which `numpy.load(path)` opens.
///
/// # Errors
/// [`Error::WriteNpz`] or [`Error::Io`] when writing fails.
pub fn save_dataset_npz(dataset: &Dataset, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    write_then_rename(path, |partial| {
        let npz_error = |source| Error::WriteNpz {
            path: path.to_path_buf(),
            source,
        };
        let file =
            File::create(partial).map_err(|source| Error::io("creating", partial, source))?;
        let mut writer = ndarray_npy::NpzWriter::new(file);
        writer
            .add_array(NPZ_NAMES[0], &dataset.train_images)
            .map_err(npz_error)?;
        writer
            .add_array(NPZ_NAMES[1], &dataset.train_labels)
            .map_err(npz_error)?;
        writer
            .add_array(NPZ_NAMES[2], &dataset.test_images)
            .map_err(npz_error)?;
        writer
            .add_array(NPZ_NAMES[3], &dataset.test_labels)
            .map_err(npz_error)?;
        writer.finish().map_err(npz_error)?;
        Ok(())
    })
}

/// Loads an MNIST-format dataset from an `.npz` archive with the members of
/// [`NPZ_NAMES`] (Keras's `mnist.npz`, or one written by [`save_dataset_npz`]), with its
/// class names in label order.
///
/// Images become `[n, rows, cols]` `u8` and labels `[n]` `u8`; integer labels of any
/// dtype are converted when they fit.
///
/// # Errors
/// The errors of [`load_npz`]; [`Error::CountMismatch`] when a split has different
/// numbers of images and labels; [`Error::LabelOutOfRange`] for a label outside
/// `0..class_names.len()`; [`Error::InvalidArgument`] for an empty list of class names
/// or more than 256.
pub fn load_dataset_npz(path: impl AsRef<Path>, class_names: &[String]) -> Result<Dataset> {
    let path = path.as_ref();
    let max_label = crate::data::max_label(class_names)?;
    let train_images: Array3<u8> = load_npz(path, NPZ_NAMES[0])?;
    let train_labels: Array1<u8> = load_npz(path, NPZ_NAMES[1])?;
    let test_images: Array3<u8> = load_npz(path, NPZ_NAMES[2])?;
    let test_labels: Array1<u8> = load_npz(path, NPZ_NAMES[3])?;
    for (images, labels) in [(&train_images, &train_labels), (&test_images, &test_labels)] {
        if images.shape()[0] != labels.len() {
            return Err(Error::CountMismatch {
                images_path: path.to_path_buf(),
                images: images.shape()[0],
                labels_path: path.to_path_buf(),
                labels: labels.len(),
            });
        }
        if let Some((index, &value)) = labels.iter().enumerate().find(|(_, &v)| v > max_label) {
            return Err(Error::LabelOutOfRange {
                path: path.to_path_buf(),
                index,
                value,
                max: max_label,
            });
        }
    }
    Ok(Dataset {
        train_images,
        train_labels,
        test_images,
        test_labels,
        class_names: class_names.to_vec(),
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
    })
}

/// The scaled arrays of the tutorial.
///
/// - `train_images`: `[60000, 28, 28]` `f32` in [0, 1].
/// - `train_labels`: `[60000]` `u8` 0..=9.
/// - `test_images`: `[10000, 28, 28]` `f32` in [0, 1].
/// - `test_labels`: `[10000]` `u8` 0..=9.
#[derive(Debug, Clone)]
pub struct Scaled {
    pub train_images: Array3<f32>,
    pub train_labels: Array1<u8>,
    pub test_images: Array3<f32>,
    pub test_labels: Array1<u8>,
}

impl Scaled {
    /// Scales both image sets of `dataset` (labels are copied unchanged).
    pub fn from_dataset(dataset: &Dataset) -> Self {
        Scaled {
            train_images: scale_images(&dataset.train_images),
            train_labels: dataset.train_labels.clone(),
            test_images: scale_images(&dataset.test_images),
            test_labels: dataset.test_labels.clone(),
        }
    }
}

/// Paths of the four `.npy` files in `dir`: train images, train labels, test images,
/// test labels.
pub fn scaled_paths(dir: &Path) -> [PathBuf; 4] {
    [
        dir.join(TRAIN_IMAGES_NPY),
        dir.join(TRAIN_LABELS_NPY),
        dir.join(TEST_IMAGES_NPY),
        dir.join(TEST_LABELS_NPY),
    ]
}

/// Saves the scaled arrays as four `.npy` files in `dir` and returns their paths.
pub fn save_scaled(scaled: &Scaled, dir: impl AsRef<Path>) -> Result<[PathBuf; 4]> {
    let paths = scaled_paths(dir.as_ref());
    save_npy(&paths[0], &scaled.train_images)?;
    save_npy(&paths[1], &scaled.train_labels)?;
    save_npy(&paths[2], &scaled.test_images)?;
    save_npy(&paths[3], &scaled.test_labels)?;
    Ok(paths)
}

/// Loads the four `.npy` files from `dir` and checks their shapes and pixel range.
///
/// A second thread reads and checks the training images while this thread reads the
/// rest. On a 2-core machine the four files (220 MB) load in about 0.2 s (`benches/load.rs`).
///
/// # Errors
/// The errors of [`load_npy`]; [`Error::Shape`] when a split has different numbers of
/// images and labels or images that are not 28x28; [`Error::NotScaled`] for pixel values
/// outside [0, 1].
pub fn load_scaled(dir: impl AsRef<Path>) -> Result<Scaled> {
    let paths = scaled_paths(dir.as_ref());
    let load_images = |path: &Path| -> Result<Array3<f32>> {
        let images: Array3<f32> = load_npy(path)?;
        check_image_side(path, &images)?;
        check_scaled(&path.display().to_string(), &images)?;
        Ok(images)
    };
    let (train_images, rest) = std::thread::scope(|scope| {
        let train_images = scope.spawn(|| load_images(&paths[0]));
        let rest = (
            load_npy::<u8, ndarray::Ix1>(&paths[1]),
            load_images(&paths[2]),
            load_npy::<u8, ndarray::Ix1>(&paths[3]),
        );
        let train_images = train_images.join().unwrap_or_else(|_| {
            Err(Error::io(
                "reading",
                &paths[0],
                std::io::Error::other("the reading thread panicked"),
            ))
        });
        (train_images, rest)
    });
    let scaled = Scaled {
        train_images: train_images?,
        train_labels: rest.0?,
        test_images: rest.1?,
        test_labels: rest.2?,
    };
    for (path, images, labels) in [
        (&paths[0], &scaled.train_images, &scaled.train_labels),
        (&paths[2], &scaled.test_images, &scaled.test_labels),
    ] {
        if images.shape()[0] != labels.len() {
            return Err(Error::Shape {
                what: format!("images in {}", path.display()),
                expected: format!("{} images, one per label", labels.len()),
                found: format!("{} images", images.shape()[0]),
            });
        }
    }
    Ok(scaled)
}

/// Checks that `images` are 28x28, the size the model takes.
fn check_image_side(path: &Path, images: &Array3<f32>) -> Result<()> {
    let side = crate::data::IMAGE_SIDE;
    if images.shape()[1..] != [side, side] {
        return Err(Error::Shape {
            what: format!("images in {}", path.display()),
            expected: format!("{side}x{side} images"),
            found: format!("shape {}", crate::data::numpy_shape(images.shape())),
        });
    }
    Ok(())
}

/// Loads the scaled arrays from `data/`, or, when any file is missing, loads the
/// dataset, scales it and saves the arrays there first.
pub fn load_or_make_scaled() -> Result<Scaled> {
    let dir = generated_dir();
    if scaled_paths(&dir).iter().all(|path| path.is_file()) {
        return load_scaled(&dir);
    }
    let scaled = Scaled::from_dataset(&crate::data::load_data()?);
    save_scaled(&scaled, &dir)?;
    Ok(scaled)
}
