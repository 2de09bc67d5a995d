"""What names mean: scopes and bindings, qualified names, receiver types, async context."""
