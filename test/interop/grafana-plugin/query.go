package main

// One query through the plugin's query path as sqlds (the plugin's SQL datasource framework)
// runs it: a context with the datasource's query timeout, the plugin's MutateQuery comment
// (grafana_user / grafana_dashboard / grafana_panel / grafana_rule in clickhouse-go's client
// info), QueryContext on the pooled connection, the rows into a data frame with the SDK's
// sqlutil.FrameFromRows, and for the time-series format the SDK's long-to-wide conversion.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/data/sqlutil"
)

// The plugin's query formats (sqlutil.FormatQueryOption, plus the plugin's traces format).
const (
	formatTimeSeries = 0
	formatTable      = 1
	formatLogs       = 2
	formatTraces     = 3
)

type queryRequest struct {
	ID           string `json:"id"`
	RefID        string `json:"refId"`
	Format       int    `json:"format"`
	SQL          string `json:"sql"`
	DashboardUID string `json:"dashboardUid,omitempty"`
	PanelID      string `json:"panelId,omitempty"`
	RuleUID      string `json:"ruleUid,omitempty"`
}

type fieldSummary struct {
	Name    string            `json:"name"`
	Type    string            `json:"type"` // the frame's item type, e.g. time.Time, *float64, string
	Time    bool              `json:"time"`
	Numeric bool              `json:"numeric"`
	Labels  map[string]string `json:"labels,omitempty"`
}

type frameSummary struct {
	Fields        []fieldSummary `json:"fields"`
	Rows          int            `json:"rows"`
	Values        [][]any        `json:"values"`
	Visualization string         `json:"preferredVisualization,omitempty"`
	SeriesKind    string         `json:"timeSeriesKind"`
}

type queryResult struct {
	ID         string         `json:"id"`
	Error      string         `json:"error,omitempty"`
	Frames     []frameSummary `json:"frames"`
	DurationMs float64        `json:"durationMs"`
	Wire       []wireRequest  `json:"wire"`
}

// The largest number of rows per frame copied into the result (the test reads values, not volume).
const maxRowsReported = 200

func seriesKind(f *data.Frame) string {
	switch f.TimeSeriesSchema().Type {
	case data.TimeSeriesTypeLong:
		return "long"
	case data.TimeSeriesTypeWide:
		return "wide"
	default:
		return "not"
	}
}

func summarize(f *data.Frame) frameSummary {
	s := frameSummary{Rows: f.Rows(), SeriesKind: seriesKind(f)}
	if f.Meta != nil {
		s.Visualization = string(f.Meta.PreferredVisualization)
	}
	for _, field := range f.Fields {
		t := field.Type()
		s.Fields = append(s.Fields, fieldSummary{Name: field.Name, Type: t.ItemTypeString(), Time: t.Time(), Numeric: t.Numeric(), Labels: field.Labels})
		n := min(field.Len(), maxRowsReported)
		col := make([]any, n)
		for i := 0; i < n; i++ {
			v, ok := field.ConcreteAt(i)
			if !ok {
				col[i] = nil
				continue
			}
			if t, isTime := v.(time.Time); isTime {
				v = t.UTC().Format(time.RFC3339Nano)
			}
			col[i] = v
		}
		s.Values = append(s.Values, col)
	}
	return s
}

func runQuery(ctx context.Context, db *sql.DB, st pluginSettings, q queryRequest, grafanaUser string) ([]frameSummary, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(st.QueryTimeout)*time.Second)
	defer cancel()
	comments := []string{"grafana_user:" + grafanaUser}
	if q.DashboardUID != "" {
		comments = append(comments, "grafana_dashboard:"+q.DashboardUID)
	}
	if q.PanelID != "" {
		comments = append(comments, "grafana_panel:"+q.PanelID)
	}
	if q.RuleUID != "" {
		comments = append(comments, "grafana_rule:"+q.RuleUID)
	}
	ctx = clickhouse.Context(ctx, clickhouse.WithClientInfo(clickhouse.ClientInfo{Comment: comments}))

	rows, err := db.QueryContext(ctx, q.SQL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	frame, err := sqlutil.FrameFromRows(rows, -1, append(append([]sqlutil.Converter{}, converters...), nullableConverters(types)...)...)
	if err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	frame.RefID = q.RefID
	frame.Meta = &data.FrameMeta{ExecutedQueryString: q.SQL}
	switch q.Format {
	case formatTimeSeries:
		if frame.TimeSeriesSchema().Type == data.TimeSeriesTypeLong {
			wide, err := data.LongToWide(frame, &data.FillMissing{Mode: data.FillModeNull})
			if err != nil {
				return nil, fmt.Errorf("long to wide: %w", err)
			}
			frame = wide
		}
	case formatLogs:
		frame.Meta.PreferredVisualization = data.VisTypeLogs
	case formatTraces:
		frame.Meta.PreferredVisualization = data.VisTypeTrace
	case formatTable:
	default:
		return nil, fmt.Errorf("unknown format %d", q.Format)
	}
	return []frameSummary{summarize(frame)}, nil
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		panic(err)
	}
	return b
}
