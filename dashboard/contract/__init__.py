"""The contract between the web side and the workers: stream names, consumer groups and the
encoding of entries (schema), writing to the streams with dead letters and the incident sequencer
(producer), every Redis key and Socket.IO room name both sides share (keys), the fields a stream
payload must carry to reach a table (fields), and the intake API's request bodies as pydantic
models, which docs/openapi.yaml is tested equal to (payloads). Both the API and the workers in
feeds/ import it; see docs/contracts.md."""
