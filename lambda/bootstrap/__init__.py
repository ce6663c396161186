"""The bootstrap function that every viewer page calls first."""
