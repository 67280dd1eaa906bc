package definition

import (
	"strings"

	"github.com/baton-sh/baton/value"
)

// The fields of a Distributed Map state that read its items, batch them
// and write its results (ItemReader, ItemBatcher, ResultWriter), checked
// as AWS documents them: each a known set of fields, limits given either
// as a value or as a path (never both), and a ResultWriter that says what
// to do.

// distributedFields checks a Map state's ItemReader, ItemBatcher and
// ResultWriter.
func (v *validator) distributedFields(st *value.Object, loc, lang string) {
	if x, ok := st.Get("ItemReader"); ok {
		v.itemReader(x, join(loc, "ItemReader"), lang)
	}
	if x, ok := st.Get("ItemBatcher"); ok {
		v.itemBatcher(x, join(loc, "ItemBatcher"), lang)
	}
	if x, ok := st.Get("ResultWriter"); ok {
		v.resultWriter(x, join(loc, "ResultWriter"), lang)
	}
}

// object checks that x is an object with only the fields allowed, and
// returns it.
func (v *validator) object(x any, loc string, allowed ...string) (*value.Object, bool) {
	o, ok := x.(*value.Object)
	if !ok {
		v.wrongType(loc, "Object", x)
		return nil, false
	}
	for _, m := range o.Members() {
		known := false
		for _, a := range allowed {
			known = known || m.Key == a
		}
		if !known {
			v.unsupported(loc, m.Key, allowed)
		}
	}
	return o, true
}

// oneOf checks a string field against the values it may take.
func (v *validator) oneOf(o *value.Object, loc, field string, values ...string) {
	x, ok := o.Get(field)
	if !ok {
		return
	}
	s, isStr := x.(string)
	for _, want := range values {
		if isStr && s == want {
			return
		}
	}
	v.schema(join(loc, field), "The value for the field '%s' must be one of [%s]", field, strings.Join(values, ", "))
	v.hint(valueHint(x, values...))
}

// limit checks a limit given as a number (field) or a path (field+"Path"):
// one of them at most, the path in JSONPath only, the number an integer
// from 0 (a JSONata expression in JSONata).
func (v *validator) limit(o *value.Object, loc, field, lang string, max int64) {
	v.exclusive(o, loc, field, field+"Path")
	if x, ok := o.Get(field); ok && !(lang == JSONata && v.isExpression(x)) {
		v.positiveInt(join(loc, field), x, 0, max)
	}
	if o.Has(field + "Path") {
		if lang == JSONata {
			v.schema(loc, "The QueryLanguage is set to 'JSONata', but field '%sPath' is only supported for the 'JSONPath' QueryLanguage", field)
			return
		}
		v.referencePathField(o, loc, field+"Path", true)
	}
}

// payload checks the Parameters (JSONPath) or Arguments (JSONata) of an
// ItemReader or ResultWriter.
func (v *validator) payload(o *value.Object, loc, lang string) {
	if x, ok := o.Get("Parameters"); ok {
		if lang == JSONata {
			v.schema(loc, "The QueryLanguage is set to 'JSONata', but field 'Parameters' is only supported for the 'JSONPath' QueryLanguage")
		} else {
			v.template(x, join(loc, "Parameters"), false)
		}
	}
	if o.Has("Arguments") && lang != JSONata {
		v.schema(loc, "The QueryLanguage is set to 'JSONPath', but field 'Arguments' is only supported for the 'JSONata' QueryLanguage")
	}
}

// resource checks that o's Resource is one of the S3 actions the field
// takes (arn:aws:states:::s3:ACTION, in any partition).
func (v *validator) resource(o *value.Object, loc string, actions ...string) {
	x, ok := o.Get("Resource")
	if !ok {
		v.schema(loc, "These fields are required: [Resource]")
		return
	}
	s, isStr := x.(string)
	if !isStr {
		v.wrongType(join(loc, "Resource"), "String", x)
		return
	}
	if r, ok := ParseResource(s); ok && r.Integration && r.Service == "s3" && r.Pattern == "" && strings.HasPrefix(s, "arn:aws") {
		for _, a := range actions {
			if r.Action == a {
				return
			}
		}
	}
	v.add(InvalidResource, join(loc, "Resource"), "The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", s)
}

func (v *validator) itemReader(x any, loc, lang string) {
	o, ok := v.object(x, loc, "Resource", "ReaderConfig", "Parameters", "Arguments")
	if !ok {
		return
	}
	v.resource(o, loc, "getObject", "listObjectsV2")
	v.payload(o, loc, lang)
	rc, ok := o.Get("ReaderConfig")
	if !ok {
		return
	}
	cl := join(loc, "ReaderConfig")
	c, ok := v.object(rc, cl, "InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems", "MaxItemsPath", "ManifestType")
	if !ok {
		return
	}
	v.oneOf(c, cl, "InputType", "CSV", "JSON", "JSONL", "MANIFEST", "PARQUET")
	v.oneOf(c, cl, "CSVHeaderLocation", "FIRST_ROW", "GIVEN")
	v.oneOf(c, cl, "CSVDelimiter", "COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB")
	v.oneOf(c, cl, "ManifestType", "ATHENA_DATA", "S3_INVENTORY")
	if h, ok := c.Get("CSVHeaders"); ok {
		arr, isArr := h.([]any)
		if !isArr {
			v.wrongType(join(cl, "CSVHeaders"), "Array", h)
		}
		for i, x := range arr {
			if _, isStr := x.(string); !isStr {
				v.wrongType(index(join(cl, "CSVHeaders"), i), "String", x)
			}
		}
	}
	if loc, _ := c.Get("CSVHeaderLocation"); loc == "GIVEN" && !c.Has("CSVHeaders") {
		v.schema(cl, "These fields are required: [CSVHeaders]")
	}
	v.limit(c, cl, "MaxItems", lang, 100_000_000)
}

func (v *validator) itemBatcher(x any, loc, lang string) {
	o, ok := v.object(x, loc, "MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", "BatchInput")
	if !ok {
		return
	}
	if o.Len() == 0 || (o.Len() == 1 && o.Has("BatchInput")) {
		v.schema(loc, "At least one of the following fields is required: [MaxItemsPerBatch, MaxItemsPerBatchPath, MaxInputBytesPerBatch, MaxInputBytesPerBatchPath]")
	}
	v.limit(o, loc, "MaxItemsPerBatch", lang, 0)
	v.limit(o, loc, "MaxInputBytesPerBatch", lang, 262144)
	if b, ok := o.Get("BatchInput"); ok {
		if _, isObj := b.(*value.Object); !isObj && !(lang == JSONata && v.isExpression(b)) {
			v.wrongType(join(loc, "BatchInput"), "Object", b)
		} else if lang == JSONPath {
			v.template(b, join(loc, "BatchInput"), false)
		}
	}
}

// resultWriter checks a ResultWriter: it says where to write the results
// (Resource with its Parameters or Arguments), how to shape them
// (WriterConfig, with both its fields), or both; never neither.
func (v *validator) resultWriter(x any, loc, lang string) {
	o, ok := v.object(x, loc, "Resource", "Parameters", "Arguments", "WriterConfig")
	if !ok {
		return
	}
	hasPayload := o.Has("Parameters") || o.Has("Arguments")
	switch {
	case o.Has("Resource") || hasPayload:
		v.resource(o, loc, "putObject")
		if !hasPayload {
			field := "Parameters"
			if lang == JSONata {
				field = "Arguments"
			}
			v.schema(loc, "These fields are required: [%s]", field)
		}
	case !o.Has("WriterConfig"):
		v.schema(loc, "These fields are required: [Resource] or [WriterConfig]")
	}
	v.payload(o, loc, lang)
	wc, ok := o.Get("WriterConfig")
	if !ok {
		return
	}
	wl := join(loc, "WriterConfig")
	c, ok := v.object(wc, wl, "Transformation", "OutputType")
	if !ok {
		return
	}
	var missing []string
	for _, f := range []string{"Transformation", "OutputType"} {
		if !c.Has(f) {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		v.schema(wl, "These fields are required: [%s]", strings.Join(missing, ", "))
	}
	v.oneOf(c, wl, "Transformation", "NONE", "COMPACT", "FLATTEN")
	v.oneOf(c, wl, "OutputType", "JSON", "JSONL")
}
