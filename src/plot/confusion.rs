//! The confusion matrix heatmap.

use super::*;

/// Draws a confusion matrix as a heatmap with the count written in each cell.
///
/// `counts` has shape `[classes, classes]`: row `i`, column `j` counts the images of true
/// class `i` predicted as class `j`, so the diagonal contains the correct predictions. Rows
/// are labelled "true class" on the left and columns "predicted class" at the bottom.
/// Cells run from white (0) to dark blue (the largest count).
///
/// # Errors
/// - [`Error::Shape`] when `counts` is not square with one row per class name.
/// - [`Error::InvalidArgument`] for an empty `class_names` or more than [`MAX_CONFUSION_CLASSES`].
pub fn confusion_matrix<S: AsRef<str>>(
    counts: ArrayView2<u64>,
    class_names: &[S],
) -> Result<Figure> {
    let class_names = owned_class_names(class_names)?;
    let class_count = class_names.len();
    if class_count > MAX_CONFUSION_CLASSES {
        return Err(Error::InvalidArgument {
            what: "the number of class names".to_string(),
            expected: format!("at most {MAX_CONFUSION_CLASSES}"),
            found: class_count.to_string(),
        });
    }
    if counts.dim() != (class_count, class_count) {
        return Err(Error::Shape {
            what: "counts".to_string(),
            expected: format!("[classes, classes] = [{class_count}, {class_count}]"),
            found: format!("{:?}", counts.shape()),
        });
    }
    let counts = counts.outer_iter().map(|row| row.to_vec()).collect();
    Figure::new(Content::ConfusionMatrix {
        counts,
        class_names,
    })
}

/// Positions of the parts of a confusion matrix.
pub(super) struct ConfusionLayout {
    /// Top-left corner of the first cell.
    origin: (u32, u32),
    /// Side of one cell.
    cell: u32,
    /// Side of the whole matrix.
    side: u32,
    /// Height of the column names under the matrix.
    names_height: u32,
    /// Width of the title above the matrix.
    title_width: u32,
}

/// Returns the title of a confusion matrix, which explains its rows and columns.
fn confusion_title(counts: &[Vec<u64>]) -> String {
    let total: u64 = counts.iter().flatten().sum();
    format!("{total} images: row = true class, column = predicted class")
}

impl ConfusionLayout {
    /// Lays out the matrix, with cells wide enough for the widest count.
    pub(super) fn new(counts: &[Vec<u64>], class_names: &[String]) -> Result<Self> {
        let largest = counts.iter().flatten().copied().max().unwrap_or(0);
        let count_width = text_width(&largest.to_string(), SMALL_TEXT_SIZE)?;
        let cell = CONFUSION_CELL_SIDE.max(count_width + PAD);
        let names_width = max_text_width(class_names, SMALL_TEXT_SIZE)? + TICK_LENGTH + PAD;
        let axis_title_height = text_height(TEXT_SIZE) + PAD;
        let title_height = text_height(TITLE_SIZE) + PAD;
        Ok(ConfusionLayout {
            origin: (
                PAD + axis_title_height + names_width,
                2 * PAD + title_height,
            ),
            cell,
            side: class_names.len() as u32 * cell,
            names_height: names_width,
            title_width: text_width(&confusion_title(counts), TITLE_SIZE)?,
        })
    }

    pub(super) fn size(&self) -> (u32, u32) {
        let axis_title_height = text_height(TEXT_SIZE) + PAD;
        (
            (self.origin.0 + self.side + 2 * PAD).max(self.title_width + 2 * PAD),
            self.origin.1 + self.side + self.names_height + axis_title_height + PAD,
        )
    }
}

/// Maps a count's fraction of the largest count to a color from white to dark blue.
fn heatmap_color(fraction: f64) -> RGBColor {
    let RGBColor(red, green, blue) = HEATMAP_MAX_COLOR;
    let mix = |channel: u8| (255.0 - fraction * (255.0 - f64::from(channel))).round() as u8;
    RGBColor(mix(red), mix(green), mix(blue))
}

pub(super) fn draw_confusion_matrix<DB: Canvas>(
    root: &Area<DB>,
    counts: &[Vec<u64>],
    class_names: &[String],
) -> Result<()> {
    let layout = ConfusionLayout::new(counts, class_names)?;
    let (x0, y0) = (coord(layout.origin.0), coord(layout.origin.1));
    let cell = coord(layout.cell);
    let side = coord(layout.side);
    let largest = counts.iter().flatten().copied().max().unwrap_or(0).max(1);
    let label_style = text_style::<DB>(SMALL_TEXT_SIZE, BLACK);
    let tick_length = coord(TICK_LENGTH);

    for (true_class, row) in counts.iter().enumerate() {
        for (predicted_class, &count) in row.iter().enumerate() {
            let x = x0 + coord(predicted_class as u32) * cell;
            let y = y0 + coord(true_class as u32) * cell;
            let fraction = count as f64 / largest as f64;
            let rectangle = Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                heatmap_color(fraction).filled(),
            );
            root.draw(&rectangle).map_err(plot_error)?;
            let text_color = if fraction > 0.5 { WHITE } else { BLACK };
            let center = (x + cell / 2, y + cell / 2);
            draw_text(
                root,
                &count.to_string(),
                center,
                (HPos::Center, VPos::Center),
                &text_style::<DB>(SMALL_TEXT_SIZE, text_color),
            )?;
        }
    }
    draw_frame(root, (x0, y0), (layout.side, layout.side))?;

    // Row names at the left, column names under the matrix read upwards.
    let column_style = label_style.transform(FontTransform::Rotate270);
    for (class, name) in class_names.iter().enumerate() {
        let middle = coord(class as u32) * cell + cell / 2;
        let row_tick =
            PathElement::new([(x0 - tick_length, y0 + middle), (x0, y0 + middle)], BLACK);
        root.draw(&row_tick).map_err(plot_error)?;
        draw_text(
            root,
            name,
            (x0 - tick_length - 3, y0 + middle),
            (HPos::Right, VPos::Center),
            &label_style,
        )?;
        let bottom = y0 + side;
        let column_tick = PathElement::new(
            [(x0 + middle, bottom), (x0 + middle, bottom + tick_length)],
            BLACK,
        );
        root.draw(&column_tick).map_err(plot_error)?;
        draw_text(
            root,
            name,
            (x0 + middle, bottom + tick_length + 3),
            (HPos::Right, VPos::Center),
            &column_style,
        )?;
    }

    draw_text(
        root,
        &confusion_title(counts),
        (coord(layout.size().0 / 2), coord(PAD)),
        (HPos::Center, VPos::Top),
        &text_style::<DB>(TITLE_SIZE, BLACK),
    )?;

    let axis_style = text_style::<DB>(TEXT_SIZE, BLACK);
    let predicted_y = y0 + side + coord(layout.names_height + PAD / 2);
    draw_text(
        root,
        "predicted class",
        (x0 + side / 2, predicted_y),
        (HPos::Center, VPos::Top),
        &axis_style,
    )?;
    let true_style = axis_style.transform(FontTransform::Rotate270);
    draw_text(
        root,
        "true class",
        (coord(PAD), y0 + side / 2),
        (HPos::Center, VPos::Top),
        &true_style,
    )?;
    Ok(())
}
