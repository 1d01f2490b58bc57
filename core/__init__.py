"""What every app shares: domain error types and the one DRF exception handler."""
