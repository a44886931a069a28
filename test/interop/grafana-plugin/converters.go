package main

// Frame conversion for ClickHouse types that have no data-frame field type of their own (maps,
// arrays, tuples, wide integers, decimals, UUIDs, …). The SDK's default would scan them into a
// string, which clickhouse-go refuses for composite values; the plugin registers its own
// converters (pkg/converters), which cannot be imported here, so these put the value into a
// nullable JSON field — the field type the plugin gives maps and arrays too.

import (
	"database/sql"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"

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

// nullableConverters: clickhouse-go reports a Nullable(T) column's scan type as *T, and a NULL
// cannot be scanned into *T; like the plugin (which scans nullables into **T), scan into a pointer
// to the scan type and keep the inner pointer as the nullable field value. One converter per
// Nullable column type of this result, matched by exact type name.
func nullableConverters(types []*sql.ColumnType) []sqlutil.Converter {
	var out []sqlutil.Converter
	seen := map[string]bool{}
	for _, ct := range types {
		name := ct.DatabaseTypeName()
		st := ct.ScanType()
		if seen[name] || !(strings.HasPrefix(name, "Nullable(") || strings.HasPrefix(name, "LowCardinality(Nullable(")) || compositeType.MatchString(name) || st == nil || st.Kind() != reflect.Pointer {
			continue
		}
		ft := data.FieldTypeFor(reflect.Zero(st).Interface())
		if ft == data.FieldTypeUnknown {
			continue
		}
		seen[name] = true
		out = append(out, sqlutil.Converter{
			Name:          "nullable " + name,
			InputTypeName: name,
			InputScanType: reflect.PointerTo(st),
			FrameConverter: sqlutil.FrameConverter{
				FieldType: ft,
				ConverterFunc: func(in any) (any, error) {
					return reflect.ValueOf(in).Elem().Interface(), nil
				},
			},
		})
	}
	return out
}
