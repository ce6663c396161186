"""The service that publishes every stored change to AWS IoT Core over MQTT."""
