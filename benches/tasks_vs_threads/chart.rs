//! The SVG chart, drawn with plotters.

use crate::Workload;
use crate::report::{Row, label};
use crate::support::CONTENDERS;

/// A tick label in SI units: nanoseconds as "100 ns" or "10 µs" (unit
/// "s"), bytes as "300 B" or "10 kB" (unit "B").
fn axis_label(v: f64, unit: &str) -> String {
    let prefixes: &[&str] = if unit == "s" {
        &["n", "µ", "m", ""]
    } else {
        &["", "k", "M", "G"]
    };
    let mut v = v;
    let mut prefix = prefixes[0];
    for next in &prefixes[1..] {
        if v.abs() < 1000.0 {
            break;
        }
        v /= 1000.0;
        prefix = next;
    }
    let digits = if v.abs() >= 10.0 || v.fract() == 0.0 { 0 } else { 1 };
    format!("{v:.digits$} {prefix}{unit}")
}

fn colour(contender: &str) -> plotters::style::RGBColor {
    use plotters::style::RGBColor;
    match contender {
        "grove" => RGBColor(0x2e, 0x8b, 0x57),
        "tokio" => RGBColor(0x1f, 0x77, 0xb4),
        "smol" => RGBColor(0xff, 0x7f, 0x0e),
        _ => RGBColor(0xd6, 0x27, 0x28),
    }
}

/// Two log-log panels: spawn_join time per unit and sleepers' memory per
/// unit, against N.
pub(crate) fn draw_chart(rows: &[Row], path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;

    let root = SVGBackend::new(path, (1200, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, 2));
    let specs = [
        (Workload::SpawnJoin, "spawn and join: time per unit", "time per unit"),
        (
            Workload::Sleepers,
            "200 ms sleepers: resident memory per unit",
            "bytes per unit",
        ),
    ];
    for (panel, (workload, title, y_desc)) in panels.iter().zip(specs) {
        let series: Vec<(&str, Vec<(f64, f64)>)> = CONTENDERS
            .iter()
            .map(|&c| {
                let points = rows
                    .iter()
                    .filter(|r| r.workload == workload)
                    .filter_map(|r| Some((r.n as f64, r.figure(c)?.per_unit)))
                    .filter(|&(_, y)| y > 0.0)
                    .collect();
                (c, points)
            })
            .collect();
        let all = || series.iter().flat_map(|(_, p)| p.iter());
        if all().next().is_none() {
            continue;
        }
        let (x_min, x_max) = all().fold((f64::MAX, f64::MIN), |(lo, hi), &(x, _)| (lo.min(x), hi.max(x)));
        let (y_min, y_max) = all().fold((f64::MAX, f64::MIN), |(lo, hi), &(_, y)| (lo.min(y), hi.max(y)));
        let x_max = if x_max > x_min { x_max } else { x_min * 10.0 };
        let mut chart = ChartBuilder::on(panel)
            .caption(title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(
                (x_min / 1.5..x_max * 1.5).log_scale(),
                (y_min / 2.0..y_max * 8.0).log_scale(),
            )?;
        chart
            .configure_mesh()
            .x_desc("N (log)")
            .y_desc(format!("{y_desc} (log)"))
            .x_label_formatter(&|x| label(x.round() as usize))
            .y_label_formatter(&|y| axis_label(*y, if workload.is_memory() { "B" } else { "s" }))
            .draw()?;
        for (contender, points) in series {
            if points.is_empty() {
                continue;
            }
            let style = colour(contender).stroke_width(2);
            chart
                .draw_series(LineSeries::new(points, style).point_size(4))?
                .label(contender)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}
