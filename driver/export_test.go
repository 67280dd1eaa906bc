package driver

import "context"

// StopExecutionWithoutReplay is the stop StopExecution writes when it
// cannot wait for a replay: tests call it where the timing of a replay in
// progress cannot be arranged.
func (d *Durable) StopExecutionWithoutReplay(ctx context.Context, arn, errName, cause string) error {
	return d.halt(ctx, arn, errName, cause)
}
