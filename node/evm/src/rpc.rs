//! JSON-RPC (next)
