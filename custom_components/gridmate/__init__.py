"""The Gridmate integration: local energy metering and EV charge control."""
