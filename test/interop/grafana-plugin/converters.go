package main

// Frame conversion for ClickHouse types that have no data-frame field type of their own (maps,
// arrays, tuples, wide integers, decimals, UUIDs, …). The SDK's default would scan them into a
// string, which clickhouse-go refuses for composite values; the plugin registers its own
// converters (pkg/converters), which cannot be imported here, so these put the value into a
// nullable JSON field — the field type the plugin gives maps and arrays too.

import (
	"encoding/json"
	"reflect"
	"regexp"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/data/sqlutil"
)

var compositeType = regexp.MustCompile(`^(Nullable\()?(LowCardinality\()?(Map|Array|Tuple|Nested|Decimal|UUID|Int128|Int256|UInt128|UInt256|JSON|Object|Variant|Dynamic|IPv4|IPv6|Point|Ring|Polygon|MultiPolygon)\b`)

var jsonConverter = sqlutil.Converter{
	Name:           "composite ClickHouse type as JSON",
	InputTypeRegex: compositeType,
	FrameConverter: sqlutil.FrameConverter{
		FieldType: data.FieldTypeNullableJSON,
		ConverterFunc: func(in any) (any, error) {
			v := reflect.ValueOf(in)
			for v.Kind() == reflect.Pointer {
				if v.IsNil() {
					return (*json.RawMessage)(nil), nil
				}
				v = v.Elem()
			}
			b, err := json.Marshal(v.Interface())
			if err != nil {
				return nil, err
			}
			m := json.RawMessage(b)
			return &m, nil
		},
	},
}

var converters = []sqlutil.Converter{jsonConverter}
