// Package arn formats and parses the Amazon Resource Names of Step
// Functions resources, shaped exactly like AWS's:
//
//	arn:aws:states:us-east-1:123456789012:stateMachine:Name
//	arn:aws:states:us-east-1:123456789012:stateMachine:Name:7          (version)
//	arn:aws:states:us-east-1:123456789012:stateMachine:Name:alias      (alias)
//	arn:aws:states:us-east-1:123456789012:execution:Name:exec
//	arn:aws:states:us-east-1:123456789012:express:Name:exec:uuid
//	arn:aws:states:us-east-1:123456789012:activity:Name
//	arn:aws:states:us-east-1:123456789012:mapRun:Name/map:uuid
package arn

import (
	"errors"
	"strconv"
	"strings"
)

// Kind is the resource type of an ARN.
type Kind string

const (
	StateMachine Kind = "stateMachine"
	Version      Kind = "version" // stateMachine:Name:N
	Alias        Kind = "alias"   // stateMachine:Name:alias
	Execution    Kind = "execution"
	Express      Kind = "express"
	Activity     Kind = "activity"
	MapRun       Kind = "mapRun"
)

// ARN is a parsed Step Functions ARN.
type ARN struct {
	Partition string
	Region    string
	Account   string
	Kind      Kind
	// Name is the state machine's or activity's name.
	Name string
	// Qualifier is the version number or alias name of a state machine ARN,
	// or the execution's name.
	Qualifier string
	// ID is the third part of an Express execution ARN.
	ID string
}

// ErrInvalid marks text that is not a Step Functions ARN.
var ErrInvalid = errors.New("invalid ARN")

// Parse parses a Step Functions ARN.
func Parse(s string) (ARN, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "states" || parts[1] == "" || parts[3] == "" || parts[4] == "" {
		return ARN{}, ErrInvalid
	}
	a := ARN{Partition: parts[1], Region: parts[3], Account: parts[4], Kind: Kind(parts[5]), Name: parts[6]}
	if a.Name == "" {
		return ARN{}, ErrInvalid
	}
	rest := parts[7:]
	switch a.Kind {
	case StateMachine:
		switch len(rest) {
		case 0:
		case 1:
			if rest[0] == "" {
				return ARN{}, ErrInvalid
			}
			a.Qualifier = rest[0]
			if n, err := strconv.Atoi(rest[0]); err == nil && n > 0 {
				a.Kind = Version
			} else {
				a.Kind = Alias
			}
		default:
			return ARN{}, ErrInvalid
		}
	case Execution:
		if len(rest) != 1 || rest[0] == "" {
			return ARN{}, ErrInvalid
		}
		a.Qualifier = rest[0]
	case Express:
		if len(rest) != 2 || rest[0] == "" || rest[1] == "" {
			return ARN{}, ErrInvalid
		}
		a.Qualifier, a.ID = rest[0], rest[1]
	case Activity:
		if len(rest) != 0 {
			return ARN{}, ErrInvalid
		}
	case MapRun:
		if len(rest) != 1 {
			return ARN{}, ErrInvalid
		}
		a.Qualifier = rest[0]
	default:
		return ARN{}, ErrInvalid
	}
	return a, nil
}

// String formats the ARN.
func (a ARN) String() string {
	p := a.Partition
	if p == "" {
		p = "aws"
	}
	base := "arn:" + p + ":states:" + a.Region + ":" + a.Account + ":"
	switch a.Kind {
	case Version, Alias:
		return base + "stateMachine:" + a.Name + ":" + a.Qualifier
	case Execution, MapRun:
		return base + string(a.Kind) + ":" + a.Name + ":" + a.Qualifier
	case Express:
		return base + "express:" + a.Name + ":" + a.Qualifier + ":" + a.ID
	}
	return base + string(a.Kind) + ":" + a.Name
}

// StateMachineARN returns the ARN of the state machine an ARN belongs to:
// itself, or the machine of a version, alias or execution.
func (a ARN) StateMachineARN() ARN {
	return ARN{Partition: a.Partition, Region: a.Region, Account: a.Account, Kind: StateMachine, Name: a.Name}
}

// ValidName reports whether s can name a state machine, execution, activity
// or alias: 1 to 80 characters, none of them white space, brackets,
// wildcards, special characters or control characters, as AWS requires.
func ValidName(s string) bool {
	n := 0
	for _, r := range s {
		n++
		if r <= 0x20 || (r >= 0x7f && r <= 0x9f) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r) {
			return false
		}
	}
	return n >= 1 && n <= 80
}
