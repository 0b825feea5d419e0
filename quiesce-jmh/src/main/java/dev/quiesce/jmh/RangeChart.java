package dev.quiesce.jmh;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A chart of values with the range their errors allow, on a logarithmic axis (a "forest plot"):
 * one row per compared thing, one point per series in each row, a horizontal line from the low
 * to the high end of the range, and optionally a vertical 1× line for ratios.
 *
 * <p>Why not bars with error bars: XChart 3.8.8 draws error bars wrongly on a logarithmic axis
 * (checked: a bar of 10 ± 5 gets a bar from about 2 to 50, one of 2 ± 1 none), its error bars are
 * symmetric while a ratio's range is not, and a bar on a log axis starts at an arbitrary axis
 * minimum, so its length means nothing. Here every line is drawn from the bounds themselves.
 *
 * <p>A side of a range that is open — a low end at or below 0 (the error reaches the score), a high
 * end infinite (the divisor's error reaches the divisor) — or that runs off the axis is drawn
 * dashed to the edge of the plot; the tables of the report give every bound.
 */
final class RangeChart {

    /* Implementation notes
     *
     * XChart has no range or forest chart, so this one is an XYChart: x is the value (log axis),
     * y places the rows (row i of n at y = n - i, so the first row is at the top), and each series
     * sits a little above or below its row's centre. Every range line, cap and dashed tail is an
     * XYSeries of its own that is kept out of the legend; the legend shows one point series per
     * series and the 1× line. The y axis labels come from a tick-label function that names the
     * row at whole numbers and leaves the other ticks blank (distinct invisible strings: XChart
     * shows no tick label at all when two are equal). */

    private static final Color[] COLORS = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
    };
    private static final Marker[] MARKERS = {
        SeriesMarkers.CIRCLE, SeriesMarkers.DIAMOND, SeriesMarkers.SQUARE, SeriesMarkers.TRIANGLE_UP, SeriesMarkers.CROSS,
    };
    /** Ranges never stretch the axis more than this factor beyond the points (the rest is dashed). */
    private static final double STRETCH = 100;

    private final String title;
    private final String xTitle;
    private final boolean oneLine;
    private final List<String> rows = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<List<double[]>> values = new ArrayList<>();

    /**
     * @param title   chart title
     * @param xTitle  x axis title (say what the value is, and which side is better)
     * @param oneLine whether to draw the 1× line (for ratios)
     */
    RangeChart(String title, String xTitle, boolean oneLine) {
        this.title = title;
        this.xTitle = xTitle;
        this.oneLine = oneLine;
    }

    /** Adds a row, top to bottom. */
    RangeChart row(String label) {
        rows.add(label);
        return this;
    }

    /**
     * Adds a series: one {value, low, high} per row in row order, or null where the row has no
     * value. A low end of 0 or less, or an infinite high end, is open.
     */
    RangeChart series(String name, List<double[]> points) {
        if (points.size() != rows.size()) {
            throw new IllegalArgumentException(name + ": " + points.size() + " points for " + rows.size() + " rows");
        }
        names.add(name);
        values.add(points);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty() || names.isEmpty();
    }

    /** Renders the chart into {@code docs/file} (PNG); does nothing when it has no data. */
    void save(Path docs, String file) throws IOException {
        if (isEmpty()) {
            return;
        }
        double[] axis = axis();
        int n = rows.size();
        int m = names.size();
        // Series with a point in row i, so that a row's points are spread around its label.
        int[] inRow = new int[n];
        int widest = 1;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < m; k++) {
                inRow[i] += drawn(values.get(k).get(i)) ? 1 : 0;
            }
            widest = Math.max(widest, inRow[i]);
        }
        int height = 150 + n * Math.max(48, 20 * widest + 18);
        XYChart c = new XYChartBuilder().width(1100).height(height).title(title).xAxisTitle(xTitle).yAxisTitle("").build();
        style(c.getStyler(), n);
        c.getStyler().setXAxisMin(axis[0]);
        c.getStyler().setXAxisMax(axis[1]);
        double step = Math.min(0.25, 0.6 / widest);
        int[] placed = new int[n];
        for (int k = 0; k < m; k++) {
            Color color = COLORS[k % COLORS.length];
            List<Double> px = new ArrayList<>();
            List<Double> py = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                double[] v = values.get(k).get(i);
                if (!drawn(v)) {
                    continue;
                }
                double y = n - i + ((inRow[i] - 1) / 2.0 - placed[i]++) * step;
                px.add(v[0]);
                py.add(y);
                range(c, "r" + k + "." + i, color, v, y, axis);
            }
            if (!px.isEmpty()) {
                XYSeries s = c.addSeries(names.get(k), px, py);
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                s.setMarker(MARKERS[k % MARKERS.length]);
                s.setMarkerColor(color);
            }
        }
        if (oneLine) {
            XYSeries one = c.addSeries("1× (as fast as the peer)", List.of(1.0, 1.0), List.of(0.5, n + 0.5));
            one.setMarker(SeriesMarkers.NONE);
            one.setLineColor(Color.BLACK);
            one.setLineStyle(new BasicStroke(1.5f));
        }
        BitmapEncoder.saveBitmap(c, docs.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
        System.out.println("report: " + docs.resolve(file));
    }

    private static boolean drawn(double[] v) {
        return v != null && v[0] > 0 && Double.isFinite(v[0]);
    }

    /** Whole decades around the points, stretched by the ranges at most {@link #STRETCH} times. */
    private double[] axis() {
        double lo = oneLine ? 1 : Double.POSITIVE_INFINITY;
        double hi = oneLine ? 1 : 0;
        for (List<double[]> l : values) {
            for (double[] v : l) {
                if (v != null && v[0] > 0 && Double.isFinite(v[0])) {
                    lo = Math.min(lo, v[0]);
                    hi = Math.max(hi, v[0]);
                }
            }
        }
        if (!(hi > 0)) {
            return new double[] {0.1, 10};
        }
        double lower = lo;
        double upper = hi;
        for (List<double[]> l : values) {
            for (double[] v : l) {
                if (v != null && v[1] > 0) {
                    lower = Math.min(lower, Math.max(v[1], lo / STRETCH));
                }
                if (v != null && Double.isFinite(v[2])) {
                    upper = Math.max(upper, Math.min(v[2], hi * STRETCH));
                }
            }
        }
        double a = Math.pow(10, Math.floor(Math.log10(lower)));
        double b = Math.pow(10, Math.ceil(Math.log10(upper)));
        return new double[] {a, b > a ? b : a * 10};
    }

    /** The line from low to high for one point, solid where bounded, dashed to the edge where open. */
    private static void range(XYChart c, String id, Color color, double[] v, double y, double[] axis) {
        boolean loDashed = !(v[1] > 0) || v[1] < axis[0];
        boolean hiDashed = !Double.isFinite(v[2]) || v[2] > axis[1];
        double from = loDashed ? v[0] : v[1];
        double to = hiDashed ? v[0] : v[2];
        if (to > from) {
            line(c, id + ".solid", color, List.of(from, to), List.of(y, y), false);
        }
        double cap = 0.07;
        if (!loDashed) {
            line(c, id + ".locap", color, List.of(v[1], v[1]), List.of(y - cap, y + cap), false);
        } else if (v[0] > axis[0]) {
            line(c, id + ".lodash", color, List.of(axis[0], v[0]), List.of(y, y), true);
        }
        if (!hiDashed) {
            line(c, id + ".hicap", color, List.of(v[2], v[2]), List.of(y - cap, y + cap), false);
        } else if (v[0] < axis[1]) {
            line(c, id + ".hidash", color, List.of(v[0], axis[1]), List.of(y, y), true);
        }
    }

    private static void line(XYChart c, String id, Color color, List<Double> x, List<Double> y, boolean dashed) {
        XYSeries s = c.addSeries(id, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setLineStyle(dashed
                ? new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 4f}, 0f)
                : new BasicStroke(2f));
        s.setShowInLegend(false);
    }

    private void style(XYStyler s, int n) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setXAxisLogarithmic(true);
        s.setXAxisDecimalPattern("0.####");
        s.setYAxisMin(0.5);
        s.setYAxisMax(n + 0.5);
        s.setYAxisTickMarkSpacingHint(20);
        s.setyAxisTickLabelsFormattingFunction(y -> {
            long k = Math.round(y);
            // XChart drops every tick label unless all are distinct: blank ticks get distinct
            // runs of zero-width spaces.
            return Math.abs(y - k) < 1e-6 && k >= 1 && k <= n ? rows.get((int) (n - k)) : "\u200B".repeat((int) Math.round(y * 8) + 1);
        });
        s.setMarkerSize(9);
        s.setPlotGridHorizontalLinesVisible(false);
    }
}
