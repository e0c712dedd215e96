//! Class means and the pixel-value histogram.

use super::*;

/// Draws the mean image of each class in a grid of 5 columns, with the class name and its
/// number of images under each.
///
/// `images` has shape `[n, rows, cols]` with `u8` pixels in 0..=255 or `f32` pixels in [0, 1],
/// and `labels` has one class index per image. The means use matplotlib's "binary" color map,
/// as in [`image_grid`], which the title names. A class without images shows as a blank image.
///
/// # Errors
/// - [`Error::Shape`] when `labels` and `images` differ in length.
/// - [`Error::InvalidArgument`] for no images, an empty `class_names`, more than
///   [`MAX_GRID_IMAGES`] classes, or a label without a class name.
/// - The errors of [`image_with_colorbar`] for an invalid image.
pub fn class_mean_images<P: Pixel, S: AsRef<str>>(
    images: ArrayView3<P>,
    labels: ArrayView1<u8>,
    class_names: &[S],
) -> Result<Figure> {
    const COLUMNS: usize = 5;
    let class_names = owned_class_names(class_names)?;
    let image_count = images.len_of(Axis(0));
    check_label_count(labels.len(), image_count)?;
    check_not_empty(image_count)?;
    if class_names.len() > MAX_GRID_IMAGES {
        return Err(Error::InvalidArgument {
            what: "the number of class names".to_string(),
            expected: format!("at most {MAX_GRID_IMAGES}"),
            found: class_names.len().to_string(),
        });
    }

    let (_, rows, cols) = images.dim();
    let mut sums = vec![vec![0.0f64; rows * cols]; class_names.len()];
    let mut class_sizes = vec![0usize; class_names.len()];
    for (index, image) in images.outer_iter().enumerate() {
        check_image(&format!("images[{index}]"), image)?;
        let class = check_label(
            &format!("labels[{index}]"),
            labels[index],
            class_names.len(),
        )?;
        class_sizes[class] += 1;
        for (sum, pixel) in sums[class].iter_mut().zip(image.iter()) {
            *sum += f64::from(pixel.intensity().unwrap_or(0.0));
        }
    }

    let tiles = sums
        .into_iter()
        .zip(&class_sizes)
        .zip(&class_names)
        .map(|((sum, &size), name)| {
            let divisor = size.max(1) as f64;
            let values = sum
                .into_iter()
                .map(|total| (total / divisor) as f32)
                .collect();
            Tile::named(
                Intensities { rows, cols, values },
                format!("{name}, n={size}"),
            )
        })
        .collect();
    Figure::new(Content::ImageGrid(ImageGrid {
        tiles,
        columns: COLUMNS,
        title: Some(format!(
            "mean image of each class, {image_count} images ({} pixels, binary color map)",
            P::DTYPE
        )),
    }))
}

/// Draws a histogram of all pixel values of `images`, with a logarithmic count axis.
///
/// `images` has shape `[n, rows, cols]` with `u8` pixels in 0..=255 or `f32` pixels in
/// [0, 1]. The 32 bins span the pixel type's whole range, so for `u8` each bin covers 8
/// values. The count axis is logarithmic so that the many background pixels (value 0) do
/// not flatten the other bins.
///
/// # Errors
/// - [`Error::InvalidArgument`] when there are no images.
/// - The errors of [`image_with_colorbar`] for an invalid image.
pub fn pixel_histogram<P: Pixel>(images: ArrayView3<P>) -> Result<Figure> {
    let image_count = images.len_of(Axis(0));
    check_not_empty(image_count)?;
    let mut bins = vec![0u64; HISTOGRAM_BINS];
    for (index, image) in images.outer_iter().enumerate() {
        check_image(&format!("images[{index}]"), image)?;
        for pixel in image.iter() {
            let intensity = pixel.intensity().unwrap_or(0.0);
            let bin = ((intensity * HISTOGRAM_BINS as f32) as usize).min(HISTOGRAM_BINS - 1);
            bins[bin] += 1;
        }
    }
    Figure::new(Content::PixelHistogram {
        bins,
        scale: PixelScale::of::<P>(),
        image_count,
    })
}

/// Formats a count axis value of a log scale: 1, 10, 100, 1k, 10k, 100k, 1M, ...
fn power_of_ten_label(value: f64) -> String {
    if value >= 1e9 {
        format!("{}G", value / 1e9)
    } else if value >= 1e6 {
        format!("{}M", value / 1e6)
    } else if value >= 1e3 {
        format!("{}k", value / 1e3)
    } else {
        format!("{value}")
    }
}

pub(super) fn draw_pixel_histogram<DB: Canvas>(
    root: &Area<DB>,
    bins: &[u64],
    scale: PixelScale,
    image_count: usize,
) -> Result<()> {
    let largest = bins.iter().copied().max().unwrap_or(1).max(1) as f64;
    let bin_width = scale.max / bins.len() as f32;
    let title = format!(
        "pixel values of {image_count} images ({}, 0 to {})",
        scale.dtype, scale.max
    );
    let mut chart = ChartBuilder::on(root)
        .caption(title, text_style::<DB>(TITLE_SIZE, BLACK))
        .margin(PAD)
        .x_label_area_size(4 * PAD)
        .y_label_area_size(6 * PAD)
        .build_cartesian_2d(0f32..scale.max, (0.5f64..largest * 2.0).log_scale())
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .x_desc("pixel value")
        .y_desc("pixels (log scale)")
        .x_labels(scale.ticks().len())
        .x_label_formatter(&|value| scale.format(*value))
        .y_label_formatter(&|value| power_of_ten_label(*value))
        .label_style(text_style::<DB>(SMALL_TEXT_SIZE, BLACK))
        .axis_desc_style(text_style::<DB>(SMALL_TEXT_SIZE, BLACK))
        .draw()
        .map_err(plot_error)?;
    chart
        .draw_series(bins.iter().enumerate().filter(|(_, &count)| count > 0).map(
            |(bin, &count)| {
                let left = bin as f32 * bin_width;
                Rectangle::new(
                    [(left, 0.5), (left + bin_width, count as f64)],
                    TRAIN_COLOR.filled(),
                )
            },
        ))
        .map_err(plot_error)?;
    Ok(())
}
