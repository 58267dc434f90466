package io.strangler.diff.report;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The OpenTelemetry metrics SDK with a Prometheus reader, and the scrape it renders: the text the
 * admin port serves at {@code GET /metrics}. The reader is pull-based: nothing is collected between
 * scrapes and no HTTP server of the exporter's is started; the caller's admin server writes the
 * text.
 *
 * <p>The exposition carries no {@code otel_scope_*} labels and no {@code target_info} series: only
 * the instruments' own labels (see {@code docs/metrics.md}).
 *
 * <pre>{@code
 * Telemetry telemetry = Telemetry.create();
 * DiffPipeline.builder(config).meterProvider(telemetry.meterProvider())...;
 * // GET /metrics: Content-Type telemetry.contentType(), body telemetry.scrape()
 * }</pre>
 */
public final class Telemetry implements AutoCloseable {
  private final SdkMeterProvider provider;
  private final PrometheusMetricReader reader;
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  private Telemetry(SdkMeterProvider provider, PrometheusMetricReader reader) {
    this.provider = provider;
    this.reader = reader;
  }

  /** A meter provider whose metrics {@link #scrape()} renders. */
  public static Telemetry create() {
    PrometheusMetricReader reader =
        PrometheusMetricReader.builder()
            .setOtelScopeLabelsEnabled(false)
            .setTargetInfoMetricEnabled(false)
            .build();
    SdkMeterProvider provider =
        SdkMeterProvider.builder()
            .setResource(Resource.getDefault())
            .registerMetricReader(reader)
            .build();
    return new Telemetry(provider, reader);
  }

  /** Where instruments are created: the diff pipeline's, and any other the server wants served. */
  public MeterProvider meterProvider() {
    return provider;
  }

  /** The Content-Type of {@link #scrape()}: the Prometheus text format 0.0.4. */
  public String contentType() {
    return writer.getContentType();
  }

  /** Collects every instrument now and writes the Prometheus text exposition to {@code out}. */
  public void scrape(OutputStream out) throws IOException {
    writer.write(out, reader.collect(), EscapingScheme.UNDERSCORE_ESCAPING);
  }

  /** {@link #scrape(OutputStream)} as a string. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      scrape(out);
    } catch (IOException e) {
      throw new UncheckedIOException("Writing to memory failed", e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Shuts the SDK down; scrapes afterwards are empty. */
  @Override
  public void close() {
    provider.shutdown().join(5, TimeUnit.SECONDS);
  }
}
