#!/bin/sh
read -r order
echo '{"charged":true}'
