"""Project configuration: settings, env helpers, URL and socket routes, entry points, schema."""
