package main

import (
	"context"
	"errors"
	"os"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// jsonfile appends each batch of spans it is given to a file as one line of OTLP JSON (the
// ExportTraceServiceRequest shape). It writes before the export returns, and it has no queue, so by
// the time the receiver answers a client the client's spans are in the file.
type jsonFileConfig struct {
	// Path of the file written; created if missing, appended to otherwise.
	Path string `mapstructure:"path"`
}

func (c *jsonFileConfig) Validate() error {
	if c.Path == "" {
		return errors.New("jsonfile: path must name the file spans are written to")
	}
	return nil
}

type jsonFile struct {
	path string
	mu   sync.Mutex
	file *os.File
}

func newJSONFileFactory() exporter.Factory {
	return exporter.NewFactory(
		component.MustNewType("jsonfile"),
		func() component.Config { return &jsonFileConfig{} },
		exporter.WithTraces(createJSONFile, component.StabilityLevelDevelopment),
	)
}

func createJSONFile(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	e := &jsonFile{path: cfg.(*jsonFileConfig).Path}
	return exporterhelper.NewTraces(ctx, set, cfg, e.push,
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
	)
}

func (e *jsonFile) start(context.Context, component.Host) error {
	f, err := os.OpenFile(e.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	e.file = f
	return nil
}

func (e *jsonFile) push(_ context.Context, td ptrace.Traces) error {
	line, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	// One write per line, so a reader never sees half of one unless it reads mid-write.
	_, err = e.file.Write(append(line, '\n'))
	return err
}

func (e *jsonFile) shutdown(context.Context) error {
	if e.file == nil {
		return nil
	}
	return e.file.Close()
}
