package driver

import "github.com/baton-sh/baton/store"

// Lease is the lease this node holds now: what it writes under. Records it
// wrote under this lease are still the store's (no other node may write
// its executions while the lease lives).
func (d *Durable) Lease() store.Lease { return d.currentLease() }
