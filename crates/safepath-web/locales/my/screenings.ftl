# Machine-assisted translation, not yet reviewed by a native speaker.
nav-screenings = ကျွန်ုပ်၏ စိစစ်ခြင်းများ
screenings-title = ကျွန်ုပ်၏ စိစစ်ခြင်းများ
screenings-title-org = ကျွန်ုပ်၏ အဖွဲ့အစည်း၏ စိစစ်ခြင်းများ
screenings-intro = သင်ပြုလုပ်ခဲ့သော စိစစ်ခြင်းများ၊ အသစ်ဆုံးမှ စတင်သည်။ ရလဒ်နှင့် နောက်အဆင့်ကို ကြည့်ရန် တစ်ခုကို ဖွင့်ပါ။
screenings-intro-org = သင့်အဖွဲ့အစည်း၏ စိစစ်ခြင်းအားလုံး၊ အသစ်ဆုံးမှ စတင်သည်။ ရလဒ်နှင့် နောက်အဆင့်ကို ကြည့်ရန် တစ်ခုကို ဖွင့်ပါ။
screenings-none = စိစစ်ခြင်း မရှိသေးပါ။
screenings-new = စိစစ်ခြင်း စတင်ရန်
screenings-adult = လူကြီး
screenings-child = ကလေး
screenings-referred = ကိစ္စရပ်အဖြစ် လွှဲပြောင်းပြီး
screenings-not-referred = လွှဲပြောင်းမထားပါ
screenings-open-case = လွှဲပြောင်းပြီး- ကိစ္စရပ်ကို ဖွင့်ရန်
screenings-by-colleague = လုပ်ဖော်ကိုင်ဖက်တစ်ဦးက
screenings-cut = နောက်ဆုံး စိစစ်ခြင်း { $count } ခုကိုသာ ပြသထားသည်။
case-screening = စစ်ဆေးခြင်းမှ လွှဲပြောင်းလာသည်
case-screening-open = စစ်ဆေးခြင်းကို ဖွင့်ရန်
