package dev.mlops.cli.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.text.SimpleDateFormat;
import java.time.LocalDate;
import java.util.Map;
import java.util.SortedMap;
import java.util.TimeZone;
import java.util.concurrent.atomic.AtomicInteger;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StackedBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.time.Day;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;
import org.jfree.svg.MeetOrSlice;
import org.jfree.svg.PreserveAspectRatio;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;

/** The report's charts: JFreeChart charts drawn into JFreeSVG, as {@code <svg>} elements to inline in HTML. */
final class Charts {
    static final int WIDTH = 760;
    static final int HEIGHT = 300;
    private static final Color[] SERIES = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    /** Each chart's ids (clip paths, gradients) get their own prefix: several SVGs share one HTML document. */
    private final AtomicInteger charts = new AtomicInteger();

    static {
        // no display needed: the charts are drawn into SVG, not onto a screen
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /**
     * A line chart over days: one line per series (e.g. per model version), each a map day -> value
     * (null values are gaps).
     */
    String lines(String title, String yLabel, Map<String, SortedMap<LocalDate, Double>> series) {
        TimeSeriesCollection data = new TimeSeriesCollection(TimeZone.getTimeZone("UTC"));
        series.forEach((name, points) -> {
            TimeSeries s = new TimeSeries(name);
            points.forEach((d, v) -> s.addOrUpdate(new Day(java.util.Date.from(d.atStartOfDay(java.time.ZoneOffset.UTC).toInstant()),
                    TimeZone.getTimeZone("UTC"), java.util.Locale.ROOT), v));
            data.addSeries(s);
        });
        JFreeChart chart = ChartFactory.createTimeSeriesChart(title, "date", yLabel, data, true, false, false);
        XYPlot plot = chart.getXYPlot();
        style(chart);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < series.size(); i++) {
            renderer.setSeriesPaint(i, SERIES[i % SERIES.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        DateAxis x = (DateAxis) plot.getDomainAxis();
        SimpleDateFormat f = new SimpleDateFormat("yyyy-MM-dd", java.util.Locale.ROOT);
        f.setTimeZone(TimeZone.getTimeZone("UTC"));
        x.setDateFormatOverride(f);
        x.setTimeZone(TimeZone.getTimeZone("UTC"));
        x.setLowerMargin(0.04);
        x.setUpperMargin(0.04);
        NumberAxis y = (NumberAxis) plot.getRangeAxis();
        y.setAutoRangeIncludesZero(false);
        // a flat line (or one point) still gets a readable axis: at least 10% of the values' size
        double size = series.values().stream().flatMap(m -> m.values().stream()).filter(v -> v != null && !v.isNaN())
                .mapToDouble(Math::abs).max().orElse(1);
        y.setAutoRangeMinimumSize(Math.max(1e-6, size * 0.1));
        y.setNumberFormatOverride(new java.text.DecimalFormat("0.####", java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT)));
        return svg(chart);
    }

    /** A stacked bar chart: per category (e.g. a day), one bar stacked from the series (e.g. passed, failed) in order. */
    String stackedBars(String title, String yLabel, Map<String, Color> seriesColors, Map<String, Map<String, Number>> byCategory) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        byCategory.forEach((category, values) -> seriesColors.keySet().forEach(s -> data.addValue(values.getOrDefault(s, 0), s, category)));
        JFreeChart chart = ChartFactory.createStackedBarChart(title, null, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        style(chart);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        StackedBarRenderer renderer = (StackedBarRenderer) plot.getRenderer();
        renderer.setShadowVisible(false);
        renderer.setMaximumBarWidth(0.08);
        renderer.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        int i = 0;
        for (Color c : seriesColors.values()) {
            renderer.setSeriesPaint(i++, c);
        }
        CategoryAxis x = plot.getDomainAxis();
        if (byCategory.size() > 8) {
            x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        }
        ((NumberAxis) plot.getRangeAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        return svg(chart);
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        chart.setAntiAlias(true);
        // room for the last date label at the right edge
        chart.setPadding(new org.jfree.chart.ui.RectangleInsets(4, 8, 4, 36));
    }

    private String svg(JFreeChart chart) {
        int n = charts.incrementAndGet();
        SVGGraphics2D g2 = new SVGGraphics2D(WIDTH, HEIGHT);
        g2.setDefsKeyPrefix("c" + n + "_");
        chart.draw(g2, new Rectangle(0, 0, WIDTH, HEIGHT));
        // a viewBox without fixed dimensions: the chart scales with the page
        return g2.getSVGElement("chart" + n, false, new ViewBox(0, 0, WIDTH, HEIGHT), PreserveAspectRatio.XMID_YMID, MeetOrSlice.MEET);
    }
}
