// Package resp implements the Redis serialization protocol (RESP2 and RESP3)
// as Larder's server speaks it.
//
// # Reading commands
//
// A [Reader] turns the bytes a client sends into command argument vectors,
// accepting both the multibulk form ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and the
// inline form ("GET k\r\n") with the same rules, limits and error messages as
// Redis 7.0. The returned arguments alias the Reader's buffer, so reading a
// command allocates nothing in steady state.
//
// # Writing replies
//
// A [Writer] buffers replies and encodes each reply type for the protocol
// version the client negotiated with HELLO: RESP3 types such as maps, sets,
// doubles and booleans degrade to their RESP2 equivalents exactly as Redis
// degrades them.
//
// # Parsing replies
//
// [ReadReply] parses any RESP2 or RESP3 reply into a [Value]. It favours
// simplicity over speed and is meant for tests and clients.
package resp
