package main

import (
	"errors"
	"flag"
	"io"
	iofs "io/fs"
	"os"
	"strings"

	"github.com/lifelinehq/lifeline/internal/cli"
	"github.com/lifelinehq/lifeline/internal/config"
)

func check(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lifeline check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfigFile, "configuration file to validate")
	if err := fs.Parse(args); err != nil {
		return cli.FlagError(err)
	}
	if fs.NArg() > 0 {
		return cli.Usage("check takes no arguments: " + strings.Join(fs.Args(), " "))
	}
	if err := emptyConfigFlag(fs); err != nil {
		return err
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "config" })
	if _, err := os.Stat(*path); !given && errors.Is(err, iofs.ErrNotExist) {
		return &config.Error{File: *path, Msg: "no configuration file in this folder",
			Fix: "name one with --config FILE, or write " + defaultConfigFile}
	}
	cfg, err := config.Load(*path, os.LookupEnv)
	if err != nil {
		return err
	}
	return cfg.Describe(stdout)
}

// emptyConfigFlag refuses a --config given as "" (a script's --config
// "$CONFIG" with CONFIG unset): serve would otherwise fall back to the
// provider keys or the demo as if no flag had been given.
func emptyConfigFlag(fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "config" && f.Value.String() == "" {
			err = cli.Usage("--config is empty; fix: name the configuration file, or leave --config out")
		}
	})
	return err
}
