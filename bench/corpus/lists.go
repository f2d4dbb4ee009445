package corpus

// Fixed word lists. Every name here is invented for the benchmark; the
// combinations are fictional people at `.example` domains.

var firstNames = []string{
	"Jonas", "Mara", "Elena", "Tomas", "Priya", "Kwame", "Ines", "Hugo",
	"Sofia", "Dmitri", "Aiko", "Rafael", "Nadia", "Oskar", "Leila", "Mateo",
	"Greta", "Yusuf", "Camila", "Anders", "Zoë", "Bruno", "Hana", "Felix",
	"Amara", "Viktor", "Lucía", "Emil", "Noor", "Pavel", "Ingrid", "Tariq",
	"Mirela", "Henrik", "Adaeze", "Lorenzo", "Freya", "Kenji", "Olga", "Samir",
	"Beatriz", "Tobias", "Yara", "Anton", "Chiara", "Darius", "Elif", "Fabian",
	"Gemma", "Idris", "Johanna", "Kofi", "Linnea", "Marek", "Nell", "Omar",
	"Petra", "Quentin", "Rosa", "Stellan", "Thea", "Ulrich", "Vera", "Wanjiru",
	"Xavier", "Yvonne", "Zeno", "Agnes", "Bastian", "Clara", "Dario", "Esme",
	"Florin", "Gideon", "Hedda", "Ivo", "Jorun", "Kasia", "Lars", "Maud",
	"Nico", "Odile", "Piet", "Renée", "Sven", "Tilde", "Ugo", "Vilja",
	"Wim", "Ximena", "Yannick", "Zora", "Aurelio", "Brigid", "Cosmin", "Delphine",
	"Evander", "Fenna", "Gunnar", "Halima",
}

var lastNames = []string{
	"Reyes", "Lind", "Okafor", "Brandt", "Castillo", "Novak", "Haddad", "Sato",
	"Moreau", "Kowalski", "Nilsson", "Ferreira", "Petrov", "Mensah", "Albrecht", "Quiroga",
	"Varga", "Lindqvist", "Abara", "Costa", "Müller", "Dubois", "Tanaka", "Eriksen",
	"Rossi", "Horvat", "Sandoval", "Björk", "Nakamura", "Osei", "Falk", "Ibáñez",
	"Janssen", "Kaur", "Lombardi", "Marsh", "Nyberg", "Ortega", "Pálsson", "Ruiz",
	"Strand", "Tavares", "Uddin", "Vasquez", "Winther", "Yilmaz", "Zamora", "Achterberg",
	"Bergström", "Cruz", "Delacroix", "Engel", "Fontaine", "Grünwald", "Holm", "Iversen",
	"Jovanović", "Keller", "Lehto", "Magnusson", "Navarro", "Oyelaran", "Pires", "Quast",
	"Rahimi", "Soto", "Thorsen", "Ueda", "Valdés", "Weiss", "Xu", "Ybarra",
	"Zeller", "Arslan", "Boateng", "Carvalho", "Dalca", "Esposito", "Fagerlund", "Gallo",
	"Hartmann", "Ilunga", "Jaramillo", "Kim", "Larsen", "Mwangi", "Nowak", "Oliveira",
	"Popescu", "Richter", "Sorensen", "Toivonen", "Urquhart", "Vidal", "Wolff", "Yamada",
	"Zubiri", "Aalto", "Bianchi", "Corbin",
}

var domainHeads = []string{
	"harbor", "north", "blue", "iron", "silver", "stone", "river", "cedar",
	"summit", "lake", "granite", "amber", "falcon", "meridian", "pioneer", "atlas",
}

var domainTails = []string{
	"field", "wind", "crest", "gate", "works", "point", "ridge", "bridge",
	"holdings", "capital", "trust", "partners", "logistics", "energy", "media", "group",
}

var titles = []string{
	"Senior Analyst", "Director of Finance", "Legal Counsel", "Project Manager",
	"Chief Operating Officer", "Accountant", "Compliance Officer", "Executive Assistant",
	"Head of Trading", "Vice President, Operations", "Consultant", "Controller",
}

// commonWords are frequent English words (about 300) mixed into all text.
var commonWords = []string{
	"the", "be", "to", "of", "and", "a", "in", "that", "have", "it",
	"for", "not", "on", "with", "he", "as", "you", "do", "at", "this",
	"but", "his", "by", "from", "they", "we", "say", "her", "she", "or",
	"an", "will", "my", "one", "all", "would", "there", "their", "what", "so",
	"up", "out", "if", "about", "who", "get", "which", "go", "me", "when",
	"make", "can", "like", "time", "no", "just", "him", "know", "take", "people",
	"into", "year", "your", "good", "some", "could", "them", "see", "other", "than",
	"then", "now", "look", "only", "come", "its", "over", "think", "also", "back",
	"after", "use", "two", "how", "our", "work", "first", "well", "way", "even",
	"new", "want", "because", "any", "these", "give", "day", "most", "us", "is",
	"are", "was", "were", "been", "has", "had", "did", "should", "may", "must",
	"meeting", "budget", "report", "project", "contract", "schedule", "invoice", "payment", "account", "transfer",
	"office", "client", "team", "review", "draft", "memo", "board", "quarter", "quarterly", "revenue",
	"forecast", "approval", "deadline", "agreement", "proposal", "shipment", "delivery", "order", "purchase", "vendor",
	"audit", "compliance", "legal", "counsel", "director", "manager", "analyst", "partner", "fund", "loan",
	"bank", "wire", "offshore", "subsidiary", "holding", "company", "market", "price", "cost", "expense",
	"tax", "filing", "statement", "balance", "asset", "liability", "equity", "share", "stock", "bond",
	"call", "conference", "agenda", "minutes", "summary", "update", "status", "issue", "question", "answer",
	"please", "thanks", "regards", "attached", "attachment", "file", "document", "copy", "version", "final",
	"monday", "tuesday", "wednesday", "thursday", "friday", "week", "month", "morning", "afternoon", "evening",
	"today", "tomorrow", "yesterday", "soon", "later", "early", "late", "next", "last", "before",
	"again", "still", "already", "never", "always", "often", "here", "where", "why", "very",
	"much", "many", "more", "less", "few", "each", "every", "both", "same", "different",
	"important", "urgent", "confidential", "private", "internal", "external", "public", "sensitive", "secret", "official",
	"send", "sent", "receive", "received", "sign", "signed", "confirm", "confirmed", "discuss", "discussed",
	"need", "needs", "help", "check", "change", "changes", "plan", "plans", "price", "numbers",
	"figures", "data", "spreadsheet", "table", "list", "note", "notes", "email", "phone", "address",
	"name", "date", "place", "room", "floor", "building", "city", "country", "trip", "travel",
	"flight", "hotel", "dinner", "lunch", "coffee", "car", "driver", "package", "box", "records",
	"shredding", "storage", "archive", "backup", "server", "password", "access", "login", "system", "network",
}

// stockPhrases recur verbatim in bodies and subjects so phrase queries
// have real matches.
var stockPhrases = []string{
	"quarterly report", "board meeting", "please find attached", "let me know",
	"conference call", "due diligence", "wire transfer", "offshore account",
	"purchase order", "legal department", "press release", "final draft",
	"as discussed", "per our conversation", "shredding schedule", "audit committee",
	"balance sheet", "side letter", "consulting fee", "off the record",
}

// Accented words used in quoted-printable and Latin-1 / Windows-1252
// messages; all are representable in ISO-8859-1.
var latinWords = []string{
	"café", "résumé", "naïve", "façade", "Müller", "Größe", "señor", "año",
	"déjà", "crème", "Zürich", "São", "über", "entrée", "fiancé", "Ærø",
}

// cp1252Extras need Windows-1252 (not representable in ISO-8859-1).
var cp1252Extras = []string{"€1,200", "“draft”", "‘final’", "2008–2009", "Œuvre", "…"}

// cyrillicWords are used in KOI8-R messages.
var cyrillicWords = []string{
	"бюджет", "отчёт", "встреча", "договор", "счёт", "перевод", "банк", "совет",
	"директор", "срочно", "документ", "письмо", "компания", "платёж", "аудит", "проект",
}

var syllableOnsets = []string{
	"b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
	"br", "cr", "dr", "fl", "gr", "kl", "pr", "st", "tr", "sh", "ch", "th", "qu", "sk", "sp", "pl",
}

var syllableNuclei = []string{"a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"}

var syllableCodas = []string{"", "", "", "n", "r", "l", "s", "m", "x", "k", "t", "nd", "rk", "st"}
