"""Conformance of real code to the Phase 3 models (issue 12): a commandable WebSocket server
(:mod:`.server`), a browser's view of real sockets (:mod:`.browser`), the session store and the
reconnecting clients (:mod:`.clients`), and the adapter that drives them in lockstep with a model
(:mod:`.phase3`). docs/conformance.md explains how to write an adapter for your own client."""
