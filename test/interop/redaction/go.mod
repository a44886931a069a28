module flightrec/interop/redaction

go 1.24
