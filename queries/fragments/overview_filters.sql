-- fragment: overview_filters
-- description: The Agent overview's filters on flightrec_spans, each * for "every": the service, the agent, one session / conversation, and sessions that used a channel within the time range (the including query declares from and to).
-- param: service String = * — service name, * for every service
-- param: agent String = * — agent name, * for every agent
-- param: channel String = * — sessions that used this channel, * for every channel
-- param: conversation String = * — one session / conversation id, * for every session
  AND ({service:String} = '*' OR ServiceName = {service:String})
  AND ({agent:String} = '*' OR Agent = {agent:String})
  AND ({conversation:String} = '*' OR SessionId = {conversation:String})
  AND ({channel:String} = '*' OR SessionId IN (
        SELECT SessionId FROM flightrec_spans
        WHERE Timestamp >= {from:DateTime64(3)} AND Timestamp <= {to:DateTime64(3)} AND Channel = {channel:String}))
