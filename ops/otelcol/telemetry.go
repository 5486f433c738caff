package main

import (
	"context"
	"fmt"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/service/telemetry"
)

// The collector's own telemetry, cut down to its log on stderr. The core's otelconftelemetry would
// also bring the contrib resource detectors (AWS, GCP and Kubernetes clients, hundreds of packages)
// into the build, for metrics and traces of itself that this distribution never exports.
type telemetryConfig struct {
	Logs logsConfig `mapstructure:"logs"`
}

type logsConfig struct {
	// Level: debug, info, warn or error.
	Level string `mapstructure:"level"`
	// Encoding: console (for people) or json (for programs reading the log).
	Encoding string `mapstructure:"encoding"`
}

func (c *telemetryConfig) Validate() error {
	if _, err := zapcore.ParseLevel(c.Logs.Level); err != nil {
		return fmt.Errorf("service::telemetry::logs::level %q: use debug, info, warn or error", c.Logs.Level)
	}
	if c.Logs.Encoding != "console" && c.Logs.Encoding != "json" {
		return fmt.Errorf("service::telemetry::logs::encoding %q: use console or json", c.Logs.Encoding)
	}
	return nil
}

func newTelemetryFactory() telemetry.Factory {
	return telemetry.NewFactory(
		func() component.Config { return &telemetryConfig{Logs: logsConfig{Level: "info", Encoding: "console"}} },
		telemetry.WithCreateLogger(createLogger),
	)
}

func createLogger(_ context.Context, set telemetry.LoggerSettings, cfg component.Config) (*zap.Logger, component.ShutdownFunc, error) {
	c := cfg.(*telemetryConfig)
	level, err := zapcore.ParseLevel(c.Logs.Level)
	if err != nil {
		return nil, nil, err
	}
	zc := zap.NewProductionConfig()
	zc.Level = zap.NewAtomicLevelAt(level)
	zc.Encoding = c.Logs.Encoding
	zc.Sampling = nil
	zc.OutputPaths = []string{"stderr"}
	zc.ErrorOutputPaths = []string{"stderr"}
	if c.Logs.Encoding == "console" {
		zc.EncoderConfig = zap.NewDevelopmentEncoderConfig()
	}
	build := set.BuildZapLogger
	if build == nil {
		build = func(zc zap.Config, opts ...zap.Option) (*zap.Logger, error) { return zc.Build(opts...) }
	}
	logger, err := build(zc)
	return logger, nil, err
}
