// Command functions holds the Lambda functions of the order pipeline, one
// per first argument, in the shape baton's local commands take: the
// payload as JSON on stdin, the result as JSON on stdout, and a Lambda
// error document ({"errorType", "errorMessage"}) with a non-zero exit
// status for an error.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
)

type line struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
	Currency string `json:"currency"`
}

// prices is the catalogue, in cents.
var prices = map[string]int{"BOOK-1": 1250, "LAMP-2": 4999, "DESK-9": 64900}

func main() {
	var in map[string]any
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail("InvalidPayload", err.Error())
	}
	switch os.Args[1] {
	case "validate-order":
		lines, _ := in["lines"].([]any)
		switch {
		case len(lines) == 0:
			reply(map[string]any{"valid": false, "reason": "The order has no lines"})
		case in["card"] == nil:
			reply(map[string]any{"valid": false, "reason": "The order has no card"})
		default:
			reply(map[string]any{"valid": true, "reason": ""})
		}
	case "price-line":
		var l line
		b, _ := json.Marshal(in)
		json.Unmarshal(b, &l)
		price, ok := prices[l.SKU]
		if !ok {
			fail("Catalogue.UnknownSku", "No price for "+l.SKU)
		}
		reply(map[string]any{"sku": l.SKU, "quantity": l.Quantity, "lineTotal": float64(price*l.Quantity) / 100})
	case "sum-lines":
		total := 0.0
		lines, _ := in["lines"].([]any)
		for _, l := range lines {
			total += l.(map[string]any)["lineTotal"].(float64)
		}
		reply(map[string]any{"total": math.Round(total*100) / 100})
	case "charge-card":
		card, _ := in["card"].(string)
		if strings.HasPrefix(card, "4000") {
			fail("Payment.Declined", "The card "+card+" was declined")
		}
		reply(map[string]any{"chargeId": "ch_" + fmt.Sprint(in["orderId"])})
	default:
		fail("UnknownFunction", os.Args[1])
	}
}

func reply(v any) { json.NewEncoder(os.Stdout).Encode(v) }

func fail(errorType, message string) {
	json.NewEncoder(os.Stdout).Encode(map[string]any{"errorType": errorType, "errorMessage": message})
	os.Exit(1)
}
