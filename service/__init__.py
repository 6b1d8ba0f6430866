"""gRPC service of conceptkg: settings, server, servicers, client and CLI."""
