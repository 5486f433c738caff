// cf-otelcol: a minimal OpenTelemetry Collector distribution (core components of one release) for
// Claude Flow's tracing test and for anyone who wants the spans of a local run in a file. It
// receives OTLP over HTTP and gRPC (the core otlpreceiver) and appends every export, as one line of
// OTLP JSON, to a file (jsonfile, below); debug prints spans to stderr when asked to (config.yaml).
//
//	go build -o ../../.tools/otelcol/bin/cf-otelcol . && ../../.tools/otelcol/bin/cf-otelcol --config config.yaml
package main

import (
	"log"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/exporter/debugexporter"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
)

// Version is the collector release every module here is pinned to (go.mod).
const Version = "0.165.0"

func components() (otelcol.Factories, error) {
	var err error
	f := otelcol.Factories{Telemetry: newTelemetryFactory()}
	if f.Receivers, err = otelcol.MakeFactoryMap(otlpreceiver.NewFactory()); err != nil {
		return f, err
	}
	if f.Exporters, err = otelcol.MakeFactoryMap(newJSONFileFactory(), debugexporter.NewFactory()); err != nil {
		return f, err
	}
	return f, nil
}

func main() {
	settings := otelcol.CollectorSettings{
		BuildInfo: component.BuildInfo{
			Command:     "cf-otelcol",
			Description: "Claude Flow's minimal OpenTelemetry Collector: OTLP in, OTLP JSON lines out",
			Version:     Version,
		},
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				ProviderFactories: []confmap.ProviderFactory{
					fileprovider.NewFactory(),
					envprovider.NewFactory(),
					yamlprovider.NewFactory(),
				},
			},
		},
	}
	if err := otelcol.NewCommand(settings).Execute(); err != nil {
		log.Fatalf("cf-otelcol: %v", err)
	}
}
