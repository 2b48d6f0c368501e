{
 "batchcomplete": true,
 "query": {
  "pages": [
   {
    "pageid": 77120,
    "ns": 0,
    "title": "Hollins Green Primary School",
    "revisions": [
     {
      "revid": 1204003,
      "parentid": 1203990,
      "user": "86.12.44.201",
      "timestamp": "{{iso:-1d 23:47}}",
      "comment": "",
      "slots": {
       "main": {
        "contentmodel": "wikitext",
        "content": "'''Hollins Green Primary School''' is a community primary school in Ashcombe, England, for pupils aged 4 to 11. It has around 420 pupils and a nursery.\n\n== History ==\nThe school opened in 1974 beside Hollins Green Park.\n\n== Ofsted ==\nThe school was rated Good at its last inspection. The headteacher is useless and the teachers couldn't care less about the kids, AVOID THIS SCHOOL!!!"
       }
      }
     },
     {
      "revid": 1203990,
      "parentid": 1200001,
      "user": "AshcombeHistorian",
      "timestamp": "{{iso:-20d 10:02}}",
      "comment": "Pupil numbers from the 2024 census",
      "slots": {
       "main": {
        "contentmodel": "wikitext",
        "content": "'''Hollins Green Primary School''' is a community primary school in Ashcombe, England, for pupils aged 4 to 11. It has around 420 pupils and a nursery.\n\n== History ==\nThe school opened in 1974 beside Hollins Green Park.\n\n== Ofsted ==\nThe school was rated Good at its last inspection."
       }
      }
     },
     {
      "revid": 1200001,
      "parentid": 0,
      "user": "AshcombeHistorian",
      "timestamp": "{{iso:-60d 16:20}}",
      "comment": "New article",
      "slots": {
       "main": {
        "contentmodel": "wikitext",
        "content": "'''Hollins Green Primary School''' is a community primary school in Ashcombe, England, for pupils aged 4 to 11.\n\n== History ==\nThe school opened in 1974 beside Hollins Green Park.\n\n== Ofsted ==\nThe school was rated Good at its last inspection."
       }
      }
     }
    ]
   }
  ]
 }
}
