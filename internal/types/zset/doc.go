// Package zset implements Larder's sorted set value: distinct byte-string
// members ordered by a float64 score, then by member bytes, as Redis's
// sorted sets are.
//
// # Forms
//
// A small set is one compact byte slice of entries in order (Redis's
// "listpack" encoding; see compact.go), searched linearly. Past the limits
// (Limits, Redis's zset-max-listpack-entries and zset-max-listpack-value) it
// converts to the full form (reported as "skiplist"): an order-statistics
// B+tree of (score, member) items plus a map from member to score.
//
// The package is pure: no locks, no configuration, no protocol. It is not
// safe for concurrent use.
package zset
