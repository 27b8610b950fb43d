package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/extra/bunotel"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// startTracing turns on OpenTelemetry tracing when an OTLP endpoint is configured, and does nothing otherwise: no
// exporter, no hook, and the graph package's spans stay no-ops. The exporter reads the standard OTEL_EXPORTER_OTLP_*
// variables itself (endpoint, headers such as an API key, timeout), and the SDK OTEL_TRACES_SAMPLER and
// OTEL_SERVICE_NAME (default "taskapi"). Traces go over OTLP/HTTP: a request's span, one span per GraphQL
// operation, and Bun's span per SQL statement (the statement's text without its arguments, so no user data).
//
// The returned stop flushes the spans still buffered and restores the previous global tracer provider.
func startTracing(ctx context.Context, cfg Config, db *bun.DB, logger *slog.Logger) (stop func(context.Context), err error) {
	if cfg.OTLPEndpoint == "" {
		return func(context.Context) {}, nil
	}
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "taskapi")),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the name above
		resource.WithTelemetrySDK(),
		resource.WithHost(),
	)
	if err != nil {
		logger.Warn("tracing: incomplete resource attributes", "err", err)
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	prevProvider, prevPropagator := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(provider)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	db.AddQueryHook(bunotel.NewQueryHook(bunotel.WithTracerProvider(provider)))
	endpoint := cfg.OTLPEndpoint
	if u, err := url.Parse(endpoint); err == nil {
		endpoint = u.Redacted()
	}
	logger.Info("tracing: sending spans over OTLP/HTTP", "endpoint", endpoint)

	return func(ctx context.Context) {
		if err := provider.Shutdown(ctx); err != nil {
			logger.Warn("tracing: could not flush the last spans", "err", err)
		}
		otel.SetTracerProvider(prevProvider)
		otel.SetTextMapPropagator(prevPropagator)
	}, nil
}
