package command

// This file held the seams between Dispatch and the features that change
// how a command runs; each now lives with its feature: MULTI queueing
// (queueInMulti) in multi.go, the change stream (OnChange) in watch.go,
// pub/sub mode (pubsubAllows) in pubsub.go, blocked clients (serveBlocked)
// in blocking.go.
