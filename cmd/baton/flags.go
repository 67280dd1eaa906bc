package main

import (
	"flag"
	"fmt"
	"strings"
)

// typeFlag is --type STANDARD|EXPRESS, in any case, spelt the same on
// every command that runs or checks a definition.
type typeFlag string

// addTypeFlag defines --type on a command's flags (default STANDARD).
func addTypeFlag(fs *flag.FlagSet) *typeFlag {
	t := typeFlag("STANDARD")
	fs.Var(&t, "type", "the state machine's type: `STANDARD|EXPRESS`, in any case")
	return &t
}

func (t *typeFlag) String() string { return string(*t) }

func (t *typeFlag) Set(s string) error {
	switch u := strings.ToUpper(strings.TrimSpace(s)); u {
	case "STANDARD", "EXPRESS":
		*t = typeFlag(u)
		return nil
	}
	return fmt.Errorf("%q is not a type: STANDARD or EXPRESS", s)
}

// Express says whether the type is EXPRESS.
func (t *typeFlag) Express() bool { return *t == "EXPRESS" }
