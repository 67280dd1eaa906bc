package definition

import (
	"regexp"
	"strings"
)

// Resource is a Task's Resource field taken apart.
type Resource struct {
	ARN string
	// For service integrations (arn:aws:states:::SERVICE:ACTION[.suffix]).
	Integration bool
	Service     string // "lambda", "sqs", "aws-sdk:dynamodb", ...
	Action      string // "invoke", "sendMessage", ...
	Pattern     string // "", "sync", "sync:2" or "waitForTaskToken"
}

// Integration patterns.
const (
	PatternRequestResponse  = ""
	PatternSync             = "sync"
	PatternSync2            = "sync:2"
	PatternWaitForTaskToken = "waitForTaskToken"
)

// ParseResource takes a Resource ARN apart. It reports false when the text is
// not an ARN at all.
func ParseResource(arn string) (Resource, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" {
		return Resource{}, false
	}
	r := Resource{ARN: arn}
	if parts[2] == "states" && parts[3] == "" && parts[4] == "" {
		rest := parts[5]
		if i := strings.Index(rest, ".sync:2"); i >= 0 && strings.HasSuffix(rest, ".sync:2") {
			r.Pattern, rest = PatternSync2, rest[:i]
		} else if strings.HasSuffix(rest, ".sync") {
			r.Pattern, rest = PatternSync, strings.TrimSuffix(rest, ".sync")
		} else if strings.HasSuffix(rest, ".waitForTaskToken") {
			r.Pattern, rest = PatternWaitForTaskToken, strings.TrimSuffix(rest, ".waitForTaskToken")
		}
		i := strings.LastIndex(rest, ":")
		if i <= 0 || i == len(rest)-1 {
			return r, true
		}
		r.Integration = true
		r.Service, r.Action = rest[:i], rest[i+1:]
	}
	return r, true
}

// patterns each optimized integration supports; the request-response form
// is always allowed unless listed with "-".
var optimized = map[string]map[string]string{
	"lambda":           {"invoke": "waitForTaskToken"},
	"states":           {"startExecution": "sync sync:2 waitForTaskToken"},
	"http":             {"invoke": "waitForTaskToken"},
	"sqs":              {"sendMessage": "waitForTaskToken"},
	"sns":              {"publish": "waitForTaskToken"},
	"dynamodb":         {"getItem": "", "putItem": "", "updateItem": "", "deleteItem": ""},
	"events":           {"putEvents": "waitForTaskToken"},
	"apigateway":       {"invoke": "waitForTaskToken"},
	"ecs":              {"runTask": "sync waitForTaskToken"},
	"batch":            {"submitJob": "sync"},
	"glue":             {"startJobRun": "sync", "startCrawler": ""},
	"athena":           {"startQueryExecution": "sync", "stopQueryExecution": "", "getQueryExecution": "", "getQueryResults": ""},
	"codebuild":        {"startBuild": "sync", "stopBuild": "", "batchDeleteBuilds": "", "batchGetReports": "", "startBuildBatch": "sync"},
	"bedrock":          {"invokeModel": "", "createModelCustomizationJob": "sync"},
	"sagemaker":        {"createTrainingJob": "sync", "createTransformJob": "sync", "createProcessingJob": "sync", "createEndpoint": "", "createEndpointConfig": "", "createHyperParameterTuningJob": "sync", "createLabelingJob": "sync", "createModel": "", "updateEndpoint": ""},
	"eks":              {"createCluster": "sync", "deleteCluster": "sync", "createNodegroup": "sync", "deleteNodegroup": "sync", "runJob": "sync", "call": "", "createFargateProfile": "sync", "deleteFargateProfile": "sync"},
	"elasticmapreduce": {"createCluster": "sync", "terminateCluster": "sync", "addStep": "sync", "cancelStep": "", "setClusterTerminationProtection": "", "modifyInstanceFleetByName": "", "modifyInstanceGroupByName": ""},
	"emr-containers":   {"startJobRun": "sync", "createVirtualCluster": "", "deleteVirtualCluster": "sync"},
	"emr-serverless":   {"createApplication": "sync", "startApplication": "sync", "stopApplication": "sync", "deleteApplication": "sync", "startJobRun": "sync", "cancelJobRun": "sync"},
	"mediaconvert":     {"createJob": "sync"},
	"databrew":         {"startJobRun": "sync"},
	"glue-databrew":    {"startJobRun": "sync"},
}

// CheckResource reports what is wrong with a Resource value, as a message,
// or "" when it is acceptable.
func CheckResource(arn string) string {
	r, ok := ParseResource(arn)
	notRecognized := "The resource provided " + arn + " is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."
	if !ok {
		return notRecognized
	}
	if parts := strings.SplitN(arn, ":", 4); parts[2] == "lambda" && !lambdaFunction.MatchString(arn) {
		return notRecognized
	}
	if !strings.HasPrefix(arn, "arn:aws:states:::") && !strings.HasPrefix(arn, "arn:aws-cn:states:::") && !strings.HasPrefix(arn, "arn:aws-us-gov:states:::") {
		return "" // activities, functions and other ARNs
	}
	if !r.Integration {
		return notRecognized
	}
	if strings.HasPrefix(r.Service, "aws-sdk:") {
		if r.Pattern == PatternSync || r.Pattern == PatternSync2 {
			return notRecognized
		}
		return ""
	}
	actions, ok := optimized[r.Service]
	if !ok {
		return notRecognized
	}
	patterns, ok := actions[r.Action]
	if !ok {
		return notRecognized
	}
	if r.Pattern != "" && !containsWord(patterns, r.Pattern) {
		return notRecognized
	}
	return ""
}

// lambdaFunction is the shape of a Lambda function's ARN, as Lambda's API
// defines it: a region's name, a 12-digit account, a name of up to 64
// letters, digits, hyphens and underscores, and optionally $LATEST, a
// version number or an alias.
var lambdaFunction = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:function:[a-zA-Z0-9_-]{1,64}(:(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$`)

func containsWord(list, w string) bool {
	for _, x := range strings.Fields(list) {
		if x == w {
			return true
		}
	}
	return false
}
